package bench

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestRunCompareSmoke runs the whole comparison, tiny, against real
// nginx (static and proxy_cache), real Varnish, real wrk and a freshly
// built vodedge, every special scenario included. It checks that every
// peer and scenario has figures, never what they are: the machine is
// shared.
func TestRunCompareSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx, varnish, vodedge and wrk")
	}
	tools := Tools{Nginx: testenv.Tool(t, "nginx"), Wrk: testenv.Tool(t, "wrk"), Varnish: testenv.Tool(t, "varnishd")}
	tools.Vodedge = testenv.Vodedge(t)

	cfg := DefaultCompareConfig()
	cfg.Scenarios = []Scenario{
		{Name: "hot-2MiB", Objects: 8, Size: 2 << 20, Target: Target{MetricThroughput, 1}},
		{Name: "hot-16KiB", Objects: 50, Size: 16 << 10, Target: Target{MetricRequests, 1.2}},
	}
	cfg.Rounds, cfg.Load.Duration, cfg.RAMBytes, cfg.DiskBytes = 1, time.Second, 64<<20, 256<<20
	cfg.Specials = SpecialNames()
	cfg.Special = SpecialParams{
		ColdClients: 20, ColdBytes: 1 << 20, RangeFileBytes: 16 << 20, ZipfWorkingSet: 1.5, ZipfAlpha: 0.9,
		SlowClients: 2, SlowBytesPerSec: 1 << 20, FastClients: 2, Players: 3, PlayerSpeed: 8, Titles: 2,
		TraceRequests: 100, TraceWorkers: 4,
	}
	cfg.Tools, cfg.WorkDir, cfg.Out = tools, t.TempDir(), &logWriter{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()

	rep, err := RunCompare(ctx, cfg)
	if err != nil {
		t.Fatalf("RunCompare: %v", err)
	}
	if left := processesMentioning(cfg.WorkDir); len(left) > 0 {
		t.Errorf("processes still running after RunCompare: %v", left)
	}
	if len(rep.Scenarios) != 2 {
		t.Fatalf("report has %d scenarios, want 2", len(rep.Scenarios))
	}
	for _, sr := range rep.Scenarios {
		checkScenario(t, sr)
	}
	checkJSON(t, filepath.Join(cfg.WorkDir, "compare-report.json"))
	checkSpecials(t, rep)
	plots, err := rep.Plot(cfg.WorkDir)
	if err != nil || len(plots) != 2+len(SpecialNames()) {
		t.Errorf("Plot: %v, %v", plots, err)
	}
	if md := rep.Markdown(plots); !strings.Contains(md, "cold-collapse") || !strings.Contains(md, "varnish") {
		t.Errorf("Markdown lacks sections:\n%s", md)
	}
}

// TestRunCompareWithTheDiscardClient runs a tiny comparison driven by
// the bench's own load client ('vodedge bench load' of the freshly built
// binary) instead of wrk: every round counts, with figures.
func TestRunCompareWithTheDiscardClient(t *testing.T) {
	if testing.Short() {
		t.Skip("starts nginx and vodedge")
	}
	cfg := DefaultCompareConfig()
	cfg.Tools = Tools{Nginx: testenv.Tool(t, "nginx"), Wrk: testenv.Tool(t, "wrk"), Vodedge: testenv.Vodedge(t)}
	cfg.Peers = []string{vodedgePeer, "nginx-static"}
	cfg.Scenarios = []Scenario{
		{Name: "hot-2MiB", Objects: 8, Size: 2 << 20, Target: Target{MetricThroughput, 1}},
		{Name: "hot-16KiB", Objects: 50, Size: 16 << 10, Target: Target{MetricRequests, 1}},
	}
	cfg.Rounds, cfg.Load.Duration, cfg.Load.Client, cfg.RAMBytes = 1, time.Second, ClientDiscard, 64<<20
	cfg.WorkDir, cfg.Out = t.TempDir(), &logWriter{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	rep, err := RunCompare(ctx, cfg)
	if err != nil {
		t.Fatalf("RunCompare: %v", err)
	}
	if !strings.Contains(rep.Load.String(), "vodedge bench load") || len(rep.Scenarios) != 2 {
		t.Fatalf("load %q, %d scenarios", rep.Load.String(), len(rep.Scenarios))
	}
	for _, sr := range rep.Scenarios {
		for _, p := range sr.Peers {
			if p.Counted != 1 || p.RequestsPerSec.Median <= 0 || p.P99Millis.Median <= 0 {
				t.Errorf("%s/%s: %d rounds counted, %+v requests/s, p99 %+v: %+v", sr.Scenario.Name, p.Peer, p.Counted, p.RequestsPerSec, p.P99Millis, p.Rounds)
			}
			// A 2 MiB response is 2 MiB and its header: the bytes read
			// are the bodies' (dropped, yet counted).
			if r := p.Rounds[0].Wrk; r.Requests > 0 && r.BytesRead/float64(r.Requests) < float64(sr.Scenario.Size) {
				t.Errorf("%s/%s: %.0f bytes a response", sr.Scenario.Name, p.Peer, r.BytesRead/float64(r.Requests))
			}
		}
	}
}

// checkSpecials wants every special scenario to have a figure for every
// peer it applies to, and no failed round.
func checkSpecials(t *testing.T, rep *CompareReport) {
	t.Helper()
	if len(rep.Specials) != len(SpecialNames()) {
		t.Fatalf("%d special results, want %d", len(rep.Specials), len(SpecialNames()))
	}
	for _, sr := range rep.Specials {
		if len(sr.Peers) < 3 {
			t.Errorf("%s: peers %v", sr.Name, sr.Peers)
		}
		for _, p := range sr.Peers {
			for _, r := range p.Rounds {
				if r.Err != "" {
					t.Errorf("%s/%s round %d: %s", sr.Name, p.Peer, r.Round, r.Err)
				}
			}
			if _, ok := p.Summary[sr.Metrics[0].Key]; !ok {
				t.Errorf("%s/%s: no %s figure", sr.Name, p.Peer, sr.Metrics[0].Key)
			}
		}
	}
	cc := rep.Specials[slices.IndexFunc(rep.Specials, func(s SpecialResult) bool { return s.Name == "cold-collapse" })]
	for _, p := range cc.Peers {
		t.Logf("cold-collapse %s: %.0f origin requests for 20 concurrent cold GETs", p.Peer, p.Summary["origin_requests"].Median)
		if p.Peer == vodedgePeer && p.Summary["origin_requests"].Median != 1 {
			t.Errorf("vodedge made %.0f origin requests for one cold slice, want exactly 1", p.Summary["origin_requests"].Median)
		}
	}
}

func checkScenario(t *testing.T, sr ScenarioResult) {
	t.Helper()
	names := map[string]bool{}
	for _, p := range sr.Peers {
		names[p.Peer] = true
		if p.Counted != 1 || len(p.Rounds) != 1 {
			t.Errorf("%s/%s: %d of %d rounds counted, want 1 of 1: %+v", sr.Scenario.Name, p.Peer, p.Counted, len(p.Rounds), p.Rounds)
			continue
		}
		if p.RequestsPerSec.Median <= 0 || p.MiBPerSec.Median <= 0 || p.P99Millis.Median <= 0 {
			t.Errorf("%s/%s: figures not positive: rps %+v MiB/s %+v p99 %+v", sr.Scenario.Name, p.Peer, p.RequestsPerSec, p.MiBPerSec, p.P99Millis)
		}
		if p.CPUPerGiB.Median <= 0 || p.CPUPer10k.Median <= 0 {
			t.Errorf("%s/%s: CPU per GiB %+v, per 10k requests %+v: want positive", sr.Scenario.Name, p.Peer, p.CPUPerGiB, p.CPUPer10k)
		}
		if p.Peer == "vodedge" && p.Rounds[0].NotHot != 0 {
			t.Errorf("%s/vodedge: %d responses not from RAM", sr.Scenario.Name, p.Rounds[0].NotHot)
		}
	}
	if len(names) != len(PeerNames) {
		t.Errorf("%s: peers %v, want %v", sr.Scenario.Name, names, PeerNames)
	}
	if len(sr.Verdicts) != len(PeerNames)-1 {
		t.Errorf("%s: %d verdicts, want %d", sr.Scenario.Name, len(sr.Verdicts), len(PeerNames)-1)
	}
	for _, v := range sr.Verdicts {
		if v.Baseline == barePeer {
			if v.Status != "no target" || v.RequestsRatio <= 0 {
				t.Errorf("%s: verdict against the library's ceiling %+v, want no target and a ratio", sr.Scenario.Name, v)
			}
			continue
		}
		if v.Status != "met" && v.Status != "not met" {
			t.Errorf("%s: verdict %+v, want met/not met", sr.Scenario.Name, v)
		}
	}
}

func checkJSON(t *testing.T, path string) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("JSON report: %v", err)
	}
	var back CompareReport
	if err := json.Unmarshal(b, &back); err != nil || len(back.Scenarios) != 2 {
		t.Errorf("JSON report does not read back: %v (%d scenarios)", err, len(back.Scenarios))
	}
}

// TestRunRSSSmoke runs the memory benchmark with a 32 MiB RAM tier and
// checks that it sampled the edge and read its RAM tier's gauges.
func TestRunRSSSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts vodedge and wrk")
	}
	tools := Tools{Wrk: testenv.Tool(t, "wrk")}
	tools.Vodedge = testenv.Vodedge(t)

	cfg := DefaultRSSConfig()
	cfg.RAMBytes, cfg.SmallObjects, cfg.Load.Duration = 32<<20, 50, 5*time.Second
	cfg.Tools, cfg.Out = tools, &logWriter{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	rep, err := RunRSS(ctx, cfg)
	if err != nil {
		t.Fatalf("RunRSS: %v", err)
	}
	if len(rep.Samples) < 10 || rep.PeakRSS <= 0 || rep.HWM < rep.PeakRSS {
		t.Errorf("samples %d, peak RSS %d, HWM %d: want ≥10 samples, 0 < peak ≤ HWM", len(rep.Samples), rep.PeakRSS, rep.HWM)
	}
	if want := int64(32<<20)*6/5 + 100<<20; rep.Bound != want {
		t.Errorf("bound = %d, want %d", rep.Bound, want)
	}
	if rep.WorkingSetBytes != 64<<20+50*16<<10 {
		t.Errorf("working set = %d bytes", rep.WorkingSetBytes)
	}
	if rep.Metrics["vodedge_ram_bytes"] <= 0 || rep.Metrics["vodedge_ram_items"] <= 0 {
		t.Errorf("RAM tier gauges missing or zero: %v", rep.Metrics)
	}
	if rep.Wrk.RequestsPerSec <= 0 || rep.Tiers["MISS"] <= 0 {
		t.Errorf("load: %.0f req/s, tiers %v", rep.Wrk.RequestsPerSec, rep.Tiers)
	}
	if _, err := os.Stat(rep.WorkDir); !os.IsNotExist(err) {
		t.Errorf("temp work dir %s not removed: %v", rep.WorkDir, err)
	}
	if left := processesMentioning(rep.WorkDir); len(left) > 0 {
		t.Errorf("processes still running after RunRSS: %v", left)
	}
}

// TestVodedgeWarmRefusesColdObjects gives the edge a RAM tier smaller than
// the objects: warming must fail with ErrNotHot rather than let a "hot"
// figure be measured on a cold edge.
func TestVodedgeWarmRefusesColdObjects(t *testing.T) {
	if testing.Short() {
		t.Skip("starts vodedge")
	}
	bin := testenv.Vodedge(t)
	dir := t.TempDir()
	s := Scenario{Name: "cold", Objects: 16, Size: 2 << 20} // 32 MiB
	if err := writeCorpus(filepath.Join(dir, "corpus"), []Scenario{s}); err != nil {
		t.Fatal(err)
	}
	v := NewVodedge(VodedgeConfig{Binary: bin, OriginDir: filepath.Join(dir, "corpus"), WorkDir: filepath.Join(dir, "vodedge"), RAMBytes: 16 << 20, WarmTries: 3})
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := v.Start(ctx); err != nil {
		t.Fatal(err)
	}
	err := v.Warm(ctx, s.Paths())
	if serr := v.Stop(); serr != nil {
		t.Errorf("Stop: %v", serr)
	}
	if !errors.Is(err, ErrNotHot) {
		t.Fatalf("Warm = %v, want ErrNotHot", err)
	}
	t.Logf("Warm refused as it should: %v", err)
}
