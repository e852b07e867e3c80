package hitsim

// ghostFIFO is S3-FIFO's ghost queue: the ids of slices evicted from the
// small FIFO, oldest first, each stamped with the ghost's clock (bytes
// added before it). A slice is in the ghost while the bytes added since
// it, its own included, stay within the limit: the main FIFO's capacity
// (the published ghost holds as many entries as the main FIFO; by bytes,
// that is its capacity). Taking a slice back out (readmission) does not
// give its bytes back: the paper's own implementation note keeps the
// ghost as fingerprints with insertion times in a hash table, which
// works that way, and so does cache/evict's Compact. A taken slice
// leaves a stale element, skipped when it reaches the front.
type ghostFIFO struct {
	ids    []int32 // FIFO, oldest at ids[0]
	stamps []int64 // clock when each element of ids was added
	gen    []int64 // slice id → its live element's stamp + 1, 0 when absent
	sizes  []int64
	clock  int64 // bytes added, ever
	limit  int64
}

func newGhostFIFO(sizes []int64, limit int64) ghostFIFO {
	return ghostFIFO{gen: make([]int64, len(sizes)), sizes: sizes, limit: limit}
}

// add appends id and drops the elements that fell out of the limit.
// Popping from the front re-slices; append copies the live part to a
// new array when it runs out, so memory follows the ghost's length.
func (g *ghostFIFO) add(id int32) {
	g.ids, g.stamps = append(g.ids, id), append(g.stamps, g.clock)
	g.gen[id] = g.clock + 1
	g.clock += g.sizes[id]
	for len(g.ids) > 0 && g.clock-g.stamps[0] > g.limit {
		if old := g.ids[0]; g.gen[old] == g.stamps[0]+1 {
			g.gen[old] = 0
		}
		g.ids, g.stamps = g.ids[1:], g.stamps[1:]
	}
}

// take reports whether id is in the ghost and removes it.
func (g *ghostFIFO) take(id int32) bool {
	if g.gen[id] == 0 {
		return false
	}
	g.gen[id] = 0
	return true
}
