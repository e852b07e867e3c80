package evict

// victim runs S3-FIFO's eviction until it finds the node to go,
// detaches it (it is offered once) and returns it; the ghost remembers
// it when it leaves the small queue. At most scanLimit nodes are
// moved or reinserted on the way; past that the tail in hand goes even
// if it was hit (counted in forced), so the cost is bounded whatever
// the counters say.
func (t *s3fifo) victim() (int32, bool) {
	budget := t.scanLimit
	if t.small.n > 0 && (t.small.blocks >= t.smallTarget() || t.main.n == 0) {
		if e := t.walkSmall(&budget); e >= 0 {
			t.ghost.limit = t.ghostLimit()
			t.ghost.add(t.nodes.at(e).hash, t.nodes.at(e).blocks)
			return t.hand(e), true
		}
	}
	if e := t.walkMain(&budget); e >= 0 {
		return t.hand(e), true
	}
	return -1, false
}

// walkSmall moves the small queue's tails hit while there to the main
// queue (counter cleared) and returns the first tail never hit, or -1
// when the small queue empties.
func (t *s3fifo) walkSmall(budget *int) int32 {
	for t.small.n > 0 {
		e := t.small.tail
		x := t.nodes.at(e)
		if x.freq() == 0 || t.spend(budget) {
			return e
		}
		t.small.remove(&t.nodes, e)
		x.setFreq(0)
		t.push(e, inMain)
	}
	return -1
}

// walkMain reinserts the main queue's tails with one hit less and
// returns the first tail without hits, or -1 when the queue is empty.
func (t *s3fifo) walkMain(budget *int) int32 {
	for t.main.n > 0 {
		e := t.main.tail
		x := t.nodes.at(e)
		if x.freq() == 0 || t.spend(budget) {
			return e
		}
		t.main.remove(&t.nodes, e)
		x.setFreq(x.freq() - 1)
		t.push(e, inMain)
	}
	return -1
}

// spend takes one step from budget; it reports (and counts) a walk cut
// short.
func (t *s3fifo) spend(budget *int) bool {
	if *budget <= 0 {
		t.forced++
		return true
	}
	*budget--
	return false
}

// hand detaches e as a victim: out of its queue, still indexed until
// evicted.
func (t *s3fifo) hand(e int32) int32 {
	t.detach(e)
	t.nodes.at(e).setQueue(inVictim)
	t.idleBlocks += int64(t.nodes.at(e).blocks)
	return e
}

// drop removes e altogether and returns its blocks.
func (t *s3fifo) drop(slot int, e int32) int64 {
	t.detach(e)
	blocks := int64(t.nodes.at(e).blocks)
	t.idx.delete(slot)
	t.nodes.release(e)
	return blocks
}

// remove takes one key's blocks off h's node, dropping the node with
// its last key; it returns the blocks taken.
func (t *s3fifo) remove(h uint64, blocks uint32) int64 {
	slot, e := t.idx.find(h, &t.nodes)
	if e < 0 {
		return 0
	}
	x := t.nodes.at(e)
	if x.keys <= 1 || blocks >= x.blocks {
		return t.drop(slot, e)
	}
	x.keys--
	x.state &^= flagBit // it may have been the removed key's
	t.grow(e, -int64(blocks))
	return int64(blocks)
}

// evict drops h's node, every key under it, and returns its blocks.
func (t *s3fifo) evict(h uint64) int64 {
	slot, e := t.idx.find(h, &t.nodes)
	if e < 0 {
		return 0
	}
	return t.drop(slot, e)
}
