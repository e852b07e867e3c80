package hitsim

import (
	"cmp"
	"slices"
	"time"
)

// fillCache is the disk tier with an overnight fill: at each midnight
// the previous day's most popular slices are fetched if absent and
// pinned, up to share of the capacity; the previous day's pins are
// released first.
type fillCache struct {
	*compactCache
	share     float64
	pinned    []int32
	fillBytes int64
}

func newFillCache(w *workload, capacity int64, share float64) (*fillCache, error) {
	c, err := newCompactCache(w, capacity)
	if err != nil {
		return nil, err
	}
	return &fillCache{compactCache: c, share: share}, nil
}

func (c *fillCache) dayStart(w *workload, ranked []int32) {
	for _, id := range c.pinned {
		c.c.SetPinned(c.hash(w, id), false)
	}
	c.pinned = c.pinned[:0]
	budget := int64(c.share * float64(c.capacity))
	var missing []int32
	for _, id := range ranked {
		need := blocks(w.sizes[id])
		if need > budget {
			continue
		}
		budget -= need
		if c.c.SetPinned(c.hash(w, id), true) {
			c.pinned = append(c.pinned, id)
		} else {
			missing = append(missing, id)
		}
	}
	for _, id := range missing {
		if c.store(w, id, true) {
			c.pinned = append(c.pinned, id)
			c.fillBytes += w.sizes[id]
		}
	}
}

// dailyRanking returns, for each day d ≥ 1, the slices requested on day
// d−1 ordered by popularity: bytes requested ÷ slice size (the measure
// the origin's popularity service computes, per file), highest first.
// Ranking whole renditions instead (every known slice of a popular
// file) filled 35 % fewer hit bytes on the generated traces: sessions
// watch the first minutes of a title, so a rendition's tail is rarely
// worth its space.
func (w *workload) dailyRanking() [][]int32 {
	out := make([][]int32, w.days)
	byDay := map[int32]int64{}
	day := 0
	for _, a := range w.accesses {
		d := int(w.times[a.req] / (24 * time.Hour))
		for d > day {
			day++
			out[day] = rank(byDay, w.sizes)
			clear(byDay)
		}
		byDay[a.id] += a.bytes
	}
	return out
}

func rank(bytes map[int32]int64, sizes []int64) []int32 {
	ids := make([]int32, 0, len(bytes))
	for id := range bytes {
		ids = append(ids, id)
	}
	pop := func(id int32) float64 { return float64(bytes[id]) / float64(sizes[id]) }
	slices.SortFunc(ids, func(a, b int32) int {
		if c := cmp.Compare(pop(b), pop(a)); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return ids
}
