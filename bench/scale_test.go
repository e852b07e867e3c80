package bench

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
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
	if n.Opened <= 0 || n.FirstHit < n.Opened || n.Ready <= 0 || n.Warmed < n.Ready || n.RSSLoaded <= 0 || n.HeapLoaded == 0 {
		t.Errorf("restart figures %+v: want open ≤ first hit, ready ≤ warmed and memory taken", n)
	}
	if n.Lookups != 2000 || n.LookupP99 <= 0 || n.LookupP50 > n.LookupP99 || n.LateLookups != 2000 || n.LateLookupP99 <= 0 {
		t.Errorf("lookups %d, p50 %v, p99 %v, late %d, p99 %v: want 2000 timed twice", n.Lookups, n.LookupP50, n.LookupP99, n.LateLookups, n.LateLookupP99)
	}
	if n.ZipfLookups != 2000 || n.ZipfP99 <= 0 || n.ZipfP50 > n.ZipfP99 {
		t.Errorf("zipf lookups %d, p50 %v, p99 %v: want 2000 timed", n.ZipfLookups, n.ZipfP50, n.ZipfP99)
	}
	if n.Victims != 20 || n.CreateP50 <= 0 || n.EvictCreateP99 <= 0 {
		t.Errorf("eviction: %d victims (want 20, one per write past capacity), create p50 %v, p99 past capacity %v", n.Victims, n.CreateP50, n.EvictCreateP99)
	}
	if _, err := os.Stat("/proc/self/smaps_rollup"); err == nil && n.HugeBeforeClose < 0 {
		t.Errorf("AnonHugePages not read (%d) though smaps_rollup exists", n.HugeBeforeClose)
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

// TestZipfKeys checks the Zipf(1) draw of the scale bench: every index
// in range, the most popular object drawn far more than a uniform draw
// would, and the popular ones not neighbours in key order.
func TestZipfKeys(t *testing.T) {
	for _, n := range []int{1, 2, 7, 1000, 20_000_000} {
		z := newZipfKeys(n)
		rnd := rand.New(rand.NewPCG(1, 2))
		count := map[int]int{}
		const draws = 100_000
		for range draws {
			i := z.draw(rnd)
			if i < 0 || i >= n {
				t.Fatalf("n %d: drew %d", n, i)
			}
			count[i]++
		}
		if n < 1000 { // few ranks: every object is drawn (ranks map onto objects one to one)
			if len(count) != n {
				t.Errorf("n %d: %d distinct objects drawn", n, len(count))
			}
			continue
		}
		// P(rank 0) = ln 2 / ln(n+1): 10 % at 1000, 4 % at 20 M; rank 0
		// is object 0.
		if top, want := count[0], draws/50; top < want {
			t.Errorf("n %d: the most popular object drawn %d times of %d, want at least %d", n, top, draws, want)
		}
		if second := int(z.mult % uint64(n)); second == 1 {
			t.Errorf("n %d: rank 1 is object 1, next to rank 0", n)
		}
	}
}

// TestRunScaleReuse runs the scale bench three times on one kept work
// dir: the second run (Reuse) measures the disk the first populated
// without populating it again, the third, with another file count,
// populates anew.
func TestRunScaleReuse(t *testing.T) {
	if testing.Short() {
		t.Skip("starts vodedge")
	}
	cfg := DefaultScaleConfig()
	cfg.Sizes, cfg.MaxFiles, cfg.SliceBytes = []int{1000}, 200, 16<<10
	cfg.Lookups, cfg.Baseline, cfg.Evictions = 500, 5, 5
	cfg.Tools = Tools{Vodedge: testenv.Vodedge(t)}
	cfg.WorkDir, cfg.Keep, cfg.OutDir = t.TempDir(), true, ""
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	run := func(reuse bool, maxFiles int) (ScaleSize, string) {
		t.Helper()
		var out strings.Builder
		cfg.Reuse, cfg.MaxFiles, cfg.Out = reuse, maxFiles, &out
		rep, err := RunScale(ctx, cfg)
		if err != nil {
			t.Fatalf("RunScale: %v\n%s", err, out.String())
		}
		if len(rep.Rows) != 1 {
			t.Fatalf("%d rows, want 1\n%s", len(rep.Rows), out.String())
		}
		return rep.Rows[0], out.String()
	}
	first, _ := run(false, 200)
	again, out := run(true, 200)
	if !strings.Contains(out, "reusing") || again.Load != 0 || again.Node.Lookups != 500 {
		t.Errorf("reused run: populate %v, %d lookups, output:\n%s", again.Load, again.Node.Lookups, out)
	}
	if first.Load <= 0 || again.IndexBytes <= 0 {
		t.Errorf("first run populated in %v; reused index %d bytes", first.Load, again.IndexBytes)
	}
	other, out := run(true, 100)
	if strings.Contains(out, "reusing") || other.Load <= 0 || other.Files != 100 {
		t.Errorf("another file count: populate %v, %d files, output:\n%s", other.Load, other.Files, out)
	}
}

// TestRunScalePaired measures two sizes: the second's child also opens
// the first's disk and times lookups of both in turn. Only that every
// figure was taken is checked, and that the first disk outlives its own
// row and is removed at the end.
func TestRunScalePaired(t *testing.T) {
	if testing.Short() {
		t.Skip("starts vodedge")
	}
	cfg := DefaultScaleConfig()
	cfg.Sizes, cfg.MaxFiles, cfg.SliceBytes = []int{1000, 3000}, 200, 16<<10
	cfg.Lookups, cfg.Baseline, cfg.Evictions = 2500, 5, 5
	cfg.Tools = Tools{Vodedge: testenv.Vodedge(t)}
	cfg.WorkDir, cfg.OutDir = t.TempDir(), ""
	var out strings.Builder
	cfg.Out = &out
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	rep, err := RunScale(ctx, cfg)
	if err != nil {
		t.Fatalf("RunScale: %v\n%s", err, out.String())
	}
	if len(rep.Rows) != 2 || rep.Rows[0].Node.Paired != nil {
		t.Fatalf("%d rows, first paired %v: want 2, the first alone\n%s", len(rep.Rows), rep.Rows[0].Node.Paired, out.String())
	}
	p := rep.Rows[1].Node.Paired
	if p == nil || p.PeerObjects != 1000 || p.Lookups < 2500 {
		t.Fatalf("paired %+v: want 1000 peer objects and 2500 lookups of each\n%s", p, out.String())
	}
	for name, d := range map[string][2]time.Duration{"own": {p.OwnP50, p.OwnP99}, "peer": {p.PeerP50, p.PeerP99},
		"own zipf": {p.OwnZipfP50, p.OwnZipfP99}, "peer zipf": {p.PeerZipfP50, p.PeerZipfP99}} {
		if d[0] <= 0 || d[0] > d[1] {
			t.Errorf("%s: p50 %v, p99 %v", name, d[0], d[1])
		}
	}
	if !strings.Contains(out.String(), "== paired") {
		t.Errorf("no paired table:\n%s", out.String())
	}
	for _, n := range cfg.Sizes {
		if _, err := os.Stat(filepath.Dir(scaleDiskDir(&workDir{path: rep.WorkDir}, n))); !os.IsNotExist(err) {
			t.Errorf("disk of %d objects not removed: %v", n, err)
		}
	}
}
