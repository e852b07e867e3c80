package bench

import (
	"errors"
	"testing"
)

func TestSummarize(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []float64
		want Summary
	}{
		{"none", nil, Summary{}},
		{"one", []float64{3}, Summary{Median: 3, Min: 3, Max: 3, N: 1}},
		{"odd", []float64{5, 1, 3}, Summary{Median: 3, Min: 1, Max: 5, N: 3}},
		{"even", []float64{4, 1, 3, 2}, Summary{Median: 2.5, Min: 1, Max: 4, N: 4}},
		{"outlier", []float64{100, 101, 99, 5, 100}, Summary{Median: 100, Min: 5, Max: 101, N: 5}},
	} {
		if got := summarize(tc.in); got != tc.want {
			t.Errorf("%s: summarize(%v) = %+v, want %+v", tc.name, tc.in, got, tc.want)
		}
	}
}

func TestJudge(t *testing.T) {
	round := func(rps float64, notRAM int64, err string) RoundResult {
		return RoundResult{Wrk: WrkResult{Requests: 10, RequestsPerSec: rps, BytesRead: 10 << 20}, NotHot: notRAM, Err: err}
	}
	for _, tc := range []struct {
		name     string
		vodedge  []RoundResult
		nginx    []RoundResult
		target   Target
		status   string
		problems bool
	}{
		{"met", []RoundResult{round(120, 0, ""), round(130, 0, "")}, []RoundResult{round(100, -1, ""), round(100, -1, "")},
			Target{MetricRequests, 1.2}, "met", false},
		{"not met", []RoundResult{round(110, 0, "")}, []RoundResult{round(100, -1, "")},
			Target{MetricThroughput, 1.2}, "not met", false},
		{"no target", []RoundResult{round(110, 0, "")}, []RoundResult{round(100, -1, "")},
			Target{}, "no target", false},
		{"not hot", []RoundResult{round(500, 3, ""), round(110, 0, "")}, []RoundResult{round(100, -1, "")},
			Target{MetricRequests, 1}, "not judged", true},
		{"failed", []RoundResult{round(110, 0, "")}, []RoundResult{round(100, -1, "boom")},
			Target{MetricRequests, 1}, "not judged", true},
	} {
		rep := &CompareReport{Scenarios: []ScenarioResult{{
			Scenario: Scenario{Name: "s", Target: tc.target},
			Peers:    []PeerResult{{Peer: "vodedge", Rounds: tc.vodedge}, {Peer: "nginx-static", Rounds: tc.nginx}},
		}}}
		rep.judge()
		vs := rep.Scenarios[0].Verdicts
		if len(vs) != 1 || vs[0].Status != tc.status {
			t.Errorf("%s: verdicts %+v, want status %q", tc.name, vs, tc.status)
			continue
		}
		err := rep.problems()
		if (err != nil) != tc.problems {
			t.Errorf("%s: problems() = %v", tc.name, err)
		}
		if hot := !errors.Is(err, ErrNotHot); hot != (tc.name != "not hot") {
			t.Errorf("%s: problems() = %v; wraps ErrNotHot: %v", tc.name, err, !hot)
		}
		if vs[0].Line() == "" {
			t.Errorf("%s: empty verdict line", tc.name)
		}
	}
}
