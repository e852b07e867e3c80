package hitsim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vodedge/vodedge/cache/evict"
	"github.com/vodedge/vodedge/internal/zipf"
)

// zipfWorkload is requests for objects of ladder sizes (200 KiB to
// 4 MiB segments) drawn Zipf(alpha) from a seeded source.
func zipfWorkload(t *testing.T, objects, requests int, alpha float64, seed uint64) *workload {
	t.Helper()
	r := rand.New(rand.NewPCG(seed, 15))
	z, err := zipf.New(objects, alpha)
	if err != nil {
		t.Fatal(err)
	}
	ladder := []int64{200 << 10, 500 << 10, 1 << 20, 2 << 20, 4 << 20}
	w := &workload{}
	for k := range objects {
		w.keys = append(w.keys, fmt.Sprintf("/title%d/seg.m4s", k))
		w.sizes = append(w.sizes, ladder[r.IntN(len(ladder))])
		w.footprint += w.sizes[k]
	}
	for i := range requests {
		id := int32(z.Draw(r))
		w.accesses = append(w.accesses, access{id: id, next: never, req: int32(i), bytes: w.sizes[id], first: true})
		w.requested += w.sizes[id]
	}
	return w
}

// hitsOf counts hits and hit bytes of p over w.
func hitsOf(w *workload, p policy) (hits int, bytes int64) {
	for i, a := range w.accesses {
		if p.access(w, i) {
			hits++
			bytes += a.bytes
		}
	}
	return hits, bytes
}

// referenceInBlocks is the simulator's S3-FIFO charged as Compact
// charges: sizes and capacity in whole 4 KiB blocks.
func referenceInBlocks(w *workload, capacity int64) *s3fifo {
	sizes := make([]int64, len(w.sizes))
	for i, s := range w.sizes {
		sizes[i] = blocks(s) / evict.BlockBytes
	}
	return newS3FIFO(sizes, capacity/evict.BlockBytes)
}

// TestCompactMatchesReference replays seeded Zipf traces through the
// simulator's S3-FIFO (charged in blocks) and through cache/evict's
// Compact. With a ghost large enough never to forget early and no scan
// limit, Compact must hit exactly where the reference hits: its index,
// queues, counters and timestamped ghost are the published algorithm.
// As configured by default it may differ by the ghost's early
// forgetting and the bounded scan: under 0.2 point of hit ratio.
func TestCompactMatchesReference(t *testing.T) {
	for _, alpha := range []float64{0.8, 1.0} {
		w := zipfWorkload(t, 20000, 200000, alpha, 1)
		for _, share := range []float64{0.01, 0.05, 0.2, 0.5} {
			capacity := int64(share * float64(w.footprint))
			rh, rb := hitsOf(w, referenceInBlocks(w, capacity))
			exact := compactHits(t, w, evict.CompactConfig{CapacityBytes: capacity, ScanLimit: 1 << 30, GhostSlots: 1 << 20})
			def := compactHits(t, w, evict.CompactConfig{CapacityBytes: capacity})
			t.Logf("alpha %.1f %2.0f%%: reference %d hits %d MiB; exact compact %d hits; default compact %d hits %d MiB, forced %d",
				alpha, 100*share, rh, rb>>20, exact.hits, def.hits, def.bytes>>20, def.forced)
			if exact.hits != rh || exact.bytes != rb {
				t.Errorf("alpha %.1f %.0f%%: compact %d hits (%d bytes), reference %d (%d)", alpha, 100*share, exact.hits, exact.bytes, rh, rb)
			}
			n, b := float64(len(w.accesses)), float64(w.requested)
			if d := math.Max(math.Abs(float64(def.hits-rh))/n, math.Abs(float64(def.bytes-rb))/b); d > 0.002 {
				t.Errorf("alpha %.1f %.0f%%: default compact strays by %.4f from the reference", alpha, 100*share, d)
			}
		}
	}
}

type compactRun struct {
	hits   int
	bytes  int64
	forced uint64
}

func compactHits(t *testing.T, w *workload, cfg evict.CompactConfig) compactRun {
	t.Helper()
	c, err := evict.NewCompact(cfg)
	if err != nil {
		t.Fatal(err)
	}
	cc := &compactCache{c: c, hashes: make([]uint64, len(w.keys)), capacity: cfg.CapacityBytes}
	hits, bytes := hitsOf(w, cc)
	return compactRun{hits, bytes, c.Stats().Forced}
}
