package hitsim

// ghostFIFO is S3-FIFO's ghost queue: the ids of slices evicted from the
// small FIFO, oldest first, bounded by the bytes of the slices it
// names (the published ghost holds as many entries as the main FIFO
// does; by bytes, that is the main FIFO's capacity). A slice taken back out
// (readmitted) leaves a stale element behind, skipped when it reaches
// the front. Popping from the front of ids re-slices it; append copies
// the live part to a new array when it runs out, so memory stays
// proportional to the ghost's length.
type ghostFIFO struct {
	ids   []int32 // FIFO, oldest at ids[0]
	gen   []int32 // slice id → its element's sequence number + 1, 0 when absent
	seqs  []int32 // sequence number of each element of ids
	next  int32   // next sequence number
	sizes []int64
	bytes int64 // of the live elements
	limit int64
}

func newGhostFIFO(sizes []int64, limit int64) ghostFIFO {
	return ghostFIFO{gen: make([]int32, len(sizes)), sizes: sizes, limit: limit}
}

// add appends id and trims the ghost to its byte limit.
func (g *ghostFIFO) add(id int32) {
	g.ids, g.seqs = append(g.ids, id), append(g.seqs, g.next)
	g.next++
	g.gen[id] = g.next
	g.bytes += g.sizes[id]
	for g.bytes > g.limit {
		g.popFront()
	}
}

// take reports whether id is in the ghost and removes it.
func (g *ghostFIFO) take(id int32) bool {
	if g.gen[id] == 0 {
		return false
	}
	g.gen[id] = 0
	g.bytes -= g.sizes[id]
	return true
}

func (g *ghostFIFO) popFront() {
	for len(g.ids) > 0 {
		id, seq := g.ids[0], g.seqs[0]
		g.ids, g.seqs = g.ids[1:], g.seqs[1:]
		if g.gen[id] == seq+1 {
			g.gen[id] = 0
			g.bytes -= g.sizes[id]
			return
		}
	}
}
