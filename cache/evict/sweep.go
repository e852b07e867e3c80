package evict

// BeginSweep starts a reconciliation with the store: every entry counts
// as unseen until Mark sees it, entries added from now on as seen.
// Sweep then drops the unseen ones.
func (c *Compact) BeginSweep() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t.epoch ^= markBit
}

// Mark records that the store holds a key of size bytes under h. The
// first Mark of an entry since BeginSweep sets its size, key count and
// pin to the store's (a restored entry may be stale); further Marks of
// it (colliding keys) add theirs. An absent hash is added as by Add.
// It reports whether h was present.
func (c *Compact) Mark(h uint64, size int64, pinned bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	x, e := t.find(h)
	if x == nil {
		t.add(h, blocksOf(size), pinned)
		return false
	}
	if x.state&markBit == t.epoch {
		t.add(h, blocksOf(size), pinned)
		return true
	}
	x.state = x.state&^markBit | t.epoch
	x.keys = 1
	t.grow(e, int64(blocksOf(size))-int64(x.blocks))
	t.setPinned(e, pinned)
	return true
}

// Sweep drops the entries unseen since BeginSweep at positions [from,
// from+n) of the table's storage, holding the lock for one call only; it
// returns the position to continue from (-1 at the end) and how many it
// dropped.
func (c *Compact) Sweep(from, n int) (next, dropped int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	end := min(from+n, int(t.nodes.n))
	for e := int32(from); int(e) < end; e++ {
		if x := t.nodes.at(e); x.keys > 0 && x.state&markBit != t.epoch {
			slot, _ := t.idx.find(x.hash, &t.nodes)
			t.drop(slot, e)
			dropped++
		}
	}
	if end == int(t.nodes.n) {
		return -1, dropped
	}
	return end, dropped
}
