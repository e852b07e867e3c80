package bench

import (
	"errors"
	"math"
	"strings"
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

// A pinned run's rounds carry how busy the servers' CPUs were; the
// report turns that into CPU-seconds per GiB and per 10k requests and
// prints them, with vodedge's responses per busy CPU-second against
// each peer. An unpinned report prints none of it.
func TestPinnedCPUCosts(t *testing.T) {
	round := func(rps, busy float64) RoundResult {
		return RoundResult{Wrk: WrkResult{Requests: 10, RequestsPerSec: rps, BytesRead: 10 << 20}, ServerCPU: busy / 2, PinnedCPU: busy}
	}
	rep := &CompareReport{Pin: Pin{ServerCPUs: "0", LoadCPUs: "1"}, Scenarios: []ScenarioResult{{
		Scenario: Scenario{Name: "s", Target: Target{Metric: MetricRequests, Ratio: 1.2}},
		Peers: []PeerResult{
			{Peer: "vodedge", Rounds: []RoundResult{round(1000, 50), round(1000, 50), round(900, 90)}},
			{Peer: "nginx-static", Rounds: []RoundResult{round(1000, 100)}},
			{Peer: "varnish", Rounds: []RoundResult{round(1000, 50)}},
		},
	}}}
	rep.judge()
	v := rep.Scenarios[0].Peers[0]
	if v.PinnedCPU.Median != 50 || v.PinnedCPU.N != 3 || math.Abs(v.PinnedPer10k.Median-5) > 1e-9 {
		t.Fatalf("vodedge: busy %+v, per 10k %+v; want median 50 %% over 3 rounds, 5 CPU-s per 10k", v.PinnedCPU, v.PinnedPer10k)
	}
	if n := rep.Scenarios[0].Peers[1].PinnedPer10k.Median; math.Abs(n-10) > 1e-9 {
		t.Fatalf("nginx: %v CPU-s per 10k, want 10", n)
	}
	var b strings.Builder
	rep.print(&b)
	for _, want := range []string{"CPU 0, all of its busy time", "responses per busy CPU-second, vodedge/nginx-static: 2.00",
		"s requests/s ratio vodedge/nginx-static 1.00 (target ≥ 1.20): not met",
		"s responses per busy CPU-second ratio vodedge/nginx-static 2.00 (target ≥ 1.20): met",
		"s responses per busy CPU-second ratio vodedge/varnish 1.00 (target ≥ 1.20): not met"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("the report does not say %q:\n%s", want, b.String())
		}
	}
	var md strings.Builder
	rep.markdownHot(&md)
	if want := "1.00 (≥ 1.20 requests/s: not met); 2.00 per busy CPU-second: met"; !strings.Contains(md.String(), want) {
		t.Errorf("the markdown report does not say %q:\n%s", want, md.String())
	}
	rep.Pin = Pin{}
	for i := range rep.Scenarios[0].Peers {
		for j := range rep.Scenarios[0].Peers[i].Rounds {
			rep.Scenarios[0].Peers[i].Rounds[j].PinnedCPU = 0
		}
	}
	rep.judge()
	b.Reset()
	rep.print(&b)
	if strings.Contains(b.String(), "busy CPU-second") {
		t.Errorf("an unpinned report prints the CPU set's costs:\n%s", b.String())
	}
}
