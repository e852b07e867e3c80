package bench

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestRunScaleSmoke measures a tier of 2,000 objects (500 with data
// files) through a real child process and checks that every figure was
// taken, never what it is: the machine is shared.
func TestRunScaleSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("starts vodedge")
	}
	cfg := DefaultScaleConfig()
	cfg.Sizes, cfg.MaxFiles, cfg.SliceBytes = []int{2000}, 500, 16<<10
	cfg.Lookups, cfg.Baseline, cfg.Evictions = 2000, 5, 20
	cfg.Tools = Tools{Vodedge: testenv.Vodedge(t)}
	cfg.OutDir, cfg.Out = t.TempDir(), &logWriter{t: t}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	rep, err := RunScale(ctx, cfg)
	if err != nil {
		t.Fatalf("RunScale: %v", err)
	}
	if len(rep.Rows) != 1 {
		t.Fatalf("%d rows, want 1", len(rep.Rows))
	}
	r := rep.Rows[0]
	n := r.Node
	if r.Objects != 2000 || r.Files != 500 || r.IndexBytes <= 0 || r.PeakRSS <= 0 {
		t.Errorf("row %+v: want 2000 objects, 500 files, an index and a peak RSS", r)
	}
	if n.Opened <= 0 || n.FirstHit < n.Opened || n.Ready <= 0 || n.RSSLoaded <= 0 || n.HeapLoaded == 0 {
		t.Errorf("restart figures %+v: want open ≤ first hit, ready and memory taken", n)
	}
	if n.Lookups != 2000 || n.LookupP99 <= 0 || n.LookupP50 > n.LookupP99 || n.LateLookups != 2000 || n.LateLookupP99 <= 0 {
		t.Errorf("lookups %d, p50 %v, p99 %v, late %d, p99 %v: want 2000 timed twice", n.Lookups, n.LookupP50, n.LookupP99, n.LateLookups, n.LateLookupP99)
	}
	if n.Victims != 20 || n.CreateP50 <= 0 || n.EvictCreateP99 <= 0 {
		t.Errorf("eviction: %d victims (want 20, one per write past capacity), create p50 %v, p99 past capacity %v", n.Victims, n.CreateP50, n.EvictCreateP99)
	}
	for _, f := range []string{"scale.txt", "scale.json"} {
		if _, err := os.Stat(filepath.Join(cfg.OutDir, f)); err != nil {
			t.Error(err)
		}
	}
	if _, err := os.Stat(rep.WorkDir); !os.IsNotExist(err) {
		t.Errorf("temp work dir %s not removed: %v", rep.WorkDir, err)
	}
	if left := processesMentioning(rep.WorkDir); len(left) > 0 {
		t.Errorf("processes still running after RunScale: %v", left)
	}
}
