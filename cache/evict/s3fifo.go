package evict

// s3fifo is the state behind Compact, without its lock: nodes by
// hash, S3-FIFO's small and main queues, its ghost, and the blocks of
// nodes in no queue (pinned ones, and victims handed out but not yet
// evicted). See the package documentation.
type s3fifo struct {
	nodes       nodes
	idx         index
	small, main fifo
	ghost       ghost
	capBlocks   int64
	pinBlocks   int64 // of pinned nodes
	idleBlocks  int64 // of victims handed out, not yet evicted
	stampShift  uint
	scanLimit   int
	ghostFixed  bool  // sized by CompactConfig.GhostSlots, not by the index
	epoch       uint8 // the mark bit's value that means "seen"; see BeginSweep
	forced      uint64
	collisions  uint64
}

func newS3FIFO(capBlocks int64, scanLimit int, huge bool) *s3fifo {
	t := &s3fifo{nodes: newNodes(), small: newFIFO(), main: newFIFO(), ghost: newGhost(capBlocks),
		capBlocks: capBlocks, scanLimit: scanLimit}
	t.nodes.huge, t.idx.huge, t.ghost.huge = huge, huge, huge
	for capBlocks>>t.stampShift >= 1<<14 {
		t.stampShift++
	}
	t.idx.resize(minSlots)
	t.sizeGhost()
	return t
}

// smallTarget is the small queue's share: 10 % of what is not pinned.
func (t *s3fifo) smallTarget() int64 { return (t.capBlocks - t.pinBlocks) / 10 }

// ghostLimit is the main queue's share, which the ghost remembers.
func (t *s3fifo) ghostLimit() uint64 {
	return uint64(max(t.capBlocks-t.pinBlocks-t.smallTarget(), 0))
}

func (t *s3fifo) find(h uint64) (*node, int32) {
	if _, e := t.idx.find(h, &t.nodes); e >= 0 {
		return t.nodes.at(e), e
	}
	return nil, -1
}

func (t *s3fifo) queue(q uint8) *fifo {
	if q == inSmall {
		return &t.small
	}
	return &t.main
}

// push queues e at the head of q (inSmall or inMain), stamping it with
// the queue's clock.
func (t *s3fifo) push(e int32, q uint8) {
	x, f := t.nodes.at(e), t.queue(q)
	x.setQueue(q)
	x.stamp = t.now(f)
	f.clock += uint64(x.blocks)
	f.push(&t.nodes, e)
}

// now is f's clock in stamp units.
func (t *s3fifo) now(f *fifo) uint16 { return uint16(f.clock >> t.stampShift) }

// detach takes e out of whatever holds its blocks: a queue, the pinned
// count or the victims' count.
func (t *s3fifo) detach(e int32) {
	x := t.nodes.at(e)
	switch q := x.queue(); {
	case x.pinned():
		t.pinBlocks -= int64(x.blocks)
	case q == inSmall || q == inMain:
		t.queue(q).remove(&t.nodes, e)
	case q == inVictim:
		t.idleBlocks -= int64(x.blocks)
	}
	x.setQueue(inNone)
}

// grow adds blocks to e where it is, without moving it.
func (t *s3fifo) grow(e int32, blocks int64) {
	x := t.nodes.at(e)
	x.blocks = uint32(int64(x.blocks) + blocks)
	switch q := x.queue(); {
	case x.pinned():
		t.pinBlocks += blocks
	case q == inSmall || q == inMain:
		t.queue(q).blocks += blocks
	case q == inVictim:
		t.idleBlocks += blocks
	}
}

// add records a stored key of blocks under h; see Compact.Add.
func (t *s3fifo) add(h uint64, blocks uint32, pinned bool) {
	if x, e := t.find(h); x != nil {
		t.collisions++
		x.keys = min(x.keys, 254) + 1
		x.state &^= flagBit // the flag was the other key's
		t.grow(e, int64(blocks))
		if pinned {
			t.setPinned(e, true)
		}
		return
	}
	e := t.insert(h, blocks)
	switch {
	case pinned:
		t.setPinned(e, true)
	case t.ghostTake(h):
		t.push(e, inMain)
	default:
		t.push(e, inSmall)
	}
}

// insert allocates and indexes an unqueued node for h.
func (t *s3fifo) insert(h uint64, blocks uint32) int32 {
	e := t.nodes.alloc()
	x := t.nodes.at(e)
	x.hash, x.blocks, x.keys, x.state = h, blocks, 1, t.epoch
	x.prev, x.next = -1, -1
	t.idx.insert(h, e)
	t.sizeGhost()
	return e
}

// sizeGhost keeps the ghost at 3/4 of the index's slots (6 bytes per
// slot of the index), rehashing it when the index was resized.
func (t *s3fifo) sizeGhost() {
	if t.ghostFixed {
		return
	}
	if want := len(t.idx.slots) * 3 / 4 / ghostWays; want != len(t.ghost.slots)/ghostWays {
		t.ghost.limit = t.ghostLimit()
		t.ghost.resize(want)
	}
}

// reserve sizes the index (and the ghost) for n entries.
func (t *s3fifo) reserve(n int) {
	if want := int(float64(n)/growAt) + 1; want > len(t.idx.slots) {
		t.idx.resize(want)
		t.sizeGhost()
	}
}

func (t *s3fifo) ghostTake(h uint64) bool {
	t.ghost.limit = t.ghostLimit()
	return t.ghost.take(h)
}

// touch counts a hit and returns the entry's counter after it (0 and
// false when h is absent).
func (t *s3fifo) touch(h uint64) (uint8, bool) {
	x, _ := t.find(h)
	if x == nil {
		return 0, false
	}
	f := x.freq()
	if f < maxFreq {
		f++
		x.setFreq(f)
	}
	return f, true
}

// setPinned pins e (out of every queue) or unpins it: a node hit
// while pinned goes to the main queue, one never hit to the small one.
func (t *s3fifo) setPinned(e int32, pinned bool) {
	x := t.nodes.at(e)
	if x.pinned() == pinned {
		return
	}
	t.detach(e)
	x.setPinned(pinned)
	switch {
	case pinned:
		t.pinBlocks += int64(x.blocks)
	case x.freq() > 0:
		t.push(e, inMain)
	default:
		t.push(e, inSmall)
	}
}
