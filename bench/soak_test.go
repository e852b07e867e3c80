package bench

import (
	"math"
	"testing"
	"time"
)

// TestSoakJudgesDriftNotNoise: samples that swing ±30 % around a level
// (connections opened and idled out) are flat; a steady 20 % growth
// over the run is not, however small its noise.
func TestSoakJudgesDriftNotNoise(t *testing.T) {
	cfg := DefaultSoakConfig()
	var noisy, growing []SoakSample
	for i := range 48 {
		at := cfg.Warmup + time.Duration(i+1)*cfg.SampleEvery
		swing := []int64{130, 91, 169, 104, 156, 130}[i%6]
		noisy = append(noisy, SoakSample{At: at, Node: "a", RSSBytes: 256 << 20, Goroutines: swing, OpenFiles: 80, Conns: 20})
		growing = append(growing, SoakSample{At: at, Node: "b", RSSBytes: int64(float64(256<<20) * (1 + 0.2*float64(i)/47)), Goroutines: 100, OpenFiles: 80, Conns: 20})
	}
	rep := &SoakReport{Samples: append(noisy, growing...)}
	rep.judge(&cfg)
	for _, f := range rep.Figures {
		switch {
		case f.Node == "a" && f.Figure == "goroutines" && (!f.Flat || f.Spread < 0.25):
			t.Errorf("noisy goroutines judged %+v", f)
		case f.Node == "b" && f.Figure == "rss_mib" && (f.Flat || math.Abs(f.Drift-0.18) > 0.03):
			t.Errorf("growing RSS judged %+v", f)
		}
	}
	if rep.Flat {
		t.Fatal("a report with a growing figure is flat")
	}
}
