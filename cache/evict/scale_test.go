package evict

import (
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"testing"
	"time"
)

// scaleSizes are the table sizes TestCompactScale and BenchmarkCompact
// measure: 1 million in the unit tests (100k under the race detector),
// 100k, 2 million and 20 million with EVICT_FULL=1 (make bench-evict).
func scaleSizes() []int {
	switch {
	case os.Getenv("EVICT_FULL") != "":
		return []int{100_000, 2_000_000, 20_000_000}
	case raceEnabled:
		return []int{100_000}
	}
	return []int{1_000_000}
}

// maxBytesPerEntry is issue 15's bound on the disk tier's memory per
// object outside Pebble.
const maxBytesPerEntry = 64

// scaleKey is the i-th key's hash in the scale measurements.
func scaleKey(i int) uint64 { return mix(uint64(i) + 1) }

// fillCompact builds a table of n entries of 4 MiB (a 4 MiB-slice disk
// of n × 4 MiB) and returns it with the heap it takes, measured after a
// collection before and after.
func fillCompact(t testing.TB, n int) (c *Compact, heapAlloc, heapInuse float64, perAdd time.Duration) {
	var m0, m1 runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&m0)
	c = newTestCompact(t, int64(n)*4<<20, 0)
	start := time.Now()
	for i := range n {
		c.Add(scaleKey(i), 4<<20, false)
	}
	perAdd = time.Since(start) / time.Duration(n)
	runtime.GC()
	runtime.ReadMemStats(&m1)
	runtime.KeepAlive(c)
	heapAlloc = float64(m1.HeapAlloc-m0.HeapAlloc) / float64(n)
	heapInuse = float64(m1.HeapInuse-m0.HeapInuse) / float64(n)
	return c, heapAlloc, heapInuse, perAdd
}

// TestCompactScale measures, per table size: heap bytes per entry (at
// most 64), Add's cost, Touch's latency on random present entries, and
// the latency of an eviction cycle (Victim, Evict, Add of a new key)
// after those touches, which leave counters set all over the main
// queue (at 100k, every entry's at 3: each Victim walks to the scan
// limit).
func TestCompactScale(t *testing.T) {
	for _, n := range scaleSizes() {
		c, alloc, inuse, perAdd := fillCompact(t, n)
		r := rand.New(rand.NewPCG(uint64(n), 1))
		touch := latencies(1_000_000, func(int) { c.Touch(scaleKey(r.IntN(n))) })
		cycle := latencies(200_000, func(j int) {
			v, _ := c.Victim()
			c.Evict(v)
			c.Add(scaleKey(n+j), 4<<20, false)
		})
		st := c.Stats()
		t.Logf("%9d entries: %.1f B/entry heap alloc (%.1f in use); add %v; touch p50 %v p99 %v; evict cycle p50 %v p99 %v max %v, %d of 200000 forced by the scan limit",
			n, alloc, inuse, perAdd, touch[50], touch[99], cycle[50], cycle[99], cycle[100], st.Forced)
		exp, res, reo := saveAndRestore(t, c, n)
		t.Logf("%9d entries: export %v, restore %v, reorder %v", n, exp, res, reo)
		if alloc > maxBytesPerEntry {
			t.Errorf("%d entries: %.1f bytes per entry, over %d", n, alloc, maxBytesPerEntry)
		}
		if st.Entries != n {
			t.Errorf("%d entries after the cycles, want %d", st.Entries, n)
		}
	}
}

// latencies times n calls of fn and returns the percentiles 0–100.
func latencies(n int, fn func(i int)) []time.Duration {
	d := make([]time.Duration, n)
	for i := range d {
		start := time.Now()
		fn(i)
		d[i] = time.Since(start)
	}
	slices.Sort(d)
	p := make([]time.Duration, 101)
	for i := range p {
		p[i] = d[min(i*n/100, n-1)]
	}
	return p
}

// saveAndRestore times exporting c in batches of 4096, restoring the
// result into a new table and reordering it, as the disk tier's
// shutdown and start-up would.
func saveAndRestore(t *testing.T, c *Compact, n int) (export, restore, reorder time.Duration) {
	start := time.Now()
	saved := make([]Saved, 0, n)
	for next := 0; next >= 0; {
		saved, next = c.Export(saved, next, 4096)
	}
	export = time.Since(start)
	d, err := NewCompact(CompactConfig{CapacityBytes: int64(n) * 4 << 20, ExpectedEntries: len(saved)})
	if err != nil {
		t.Fatal(err)
	}
	start = time.Now()
	for _, s := range saved {
		d.Restore(s)
	}
	restore = time.Since(start)
	start = time.Now()
	d.Reorder()
	reorder = time.Since(start)
	if d.Len() != c.Len() {
		t.Errorf("restored %d entries of %d", d.Len(), c.Len())
	}
	return export, restore, reorder
}
