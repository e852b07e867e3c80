package evict

import "encoding/binary"

// Saved is one entry's eviction state as the disk tier saves it between
// runs: SavedLen bytes (Put, GetSaved). Age orders an entry within its
// queue: how long ago, in units of the queue clock (blocks pushed into
// a queue, scaled so one queue spans at most 2^14 units), it was last
// pushed.
type Saved struct {
	Hash   uint64
	Blocks uint32 // charged size in 4 KiB blocks, all keys
	Age    uint16
	Keys   uint8
	State  uint8 // queue, 2-bit counter, pinned
}

// SavedLen is the encoded size of a Saved.
const SavedLen = 16

// Put encodes s into b[:SavedLen], little-endian.
func (s Saved) Put(b []byte) {
	binary.LittleEndian.PutUint64(b, s.Hash)
	binary.LittleEndian.PutUint32(b[8:], s.Blocks)
	binary.LittleEndian.PutUint16(b[12:], s.Age)
	b[14], b[15] = s.Keys, s.State
}

// GetSaved decodes what Put encoded.
func GetSaved(b []byte) Saved {
	return Saved{Hash: binary.LittleEndian.Uint64(b), Blocks: binary.LittleEndian.Uint32(b[8:]),
		Age: binary.LittleEndian.Uint16(b[12:]), Keys: b[14], State: b[15]}
}

// Export appends the state of the entries at positions [from, from+n)
// of the table's storage to dst and returns it with the position to
// continue from, -1 at the end. It holds the lock for one call only, so
// a caller saving millions of entries exports a few thousand at a time
// and writes them out in between; an entry added meanwhile at a
// position already passed is missed (the reconciliation at the next
// start-up adds it back), none is exported twice.
func (c *Compact) Export(dst []Saved, from, n int) ([]Saved, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	end := min(from+n, int(t.nodes.n))
	for e := from; e < end; e++ {
		if x := t.nodes.at(int32(e)); x.keys > 0 {
			dst = append(dst, Saved{Hash: x.hash, Blocks: x.blocks, Age: t.age(x), Keys: x.keys, State: x.state & savedState})
		}
	}
	if end == int(t.nodes.n) {
		return dst, -1
	}
	return dst, end
}

// Restore adds an entry saved by Export, unless its hash is present
// (then it reports false). Entries go to the head of their saved queue
// (a victim's to the small one); once all are restored, Reorder puts
// each queue back in saved order.
func (c *Compact) Restore(s Saved) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	if x, _ := t.find(s.Hash); x != nil || s.Keys == 0 {
		return false
	}
	e := t.insert(s.Hash, max(s.Blocks, 1))
	x := t.nodes.at(e)
	x.keys = s.Keys
	x.setFreq((s.State & freqMask) >> freqShift)
	if s.State&pinnedBit != 0 {
		t.setPinned(e, true)
		return true
	}
	q := uint8(inSmall)
	if s.State&queueMask == inMain {
		q = inMain
	}
	f := t.queue(q)
	x.setQueue(q)
	f.push(&t.nodes, e) // no clock tick: the saved age places it
	x.stamp = t.now(f) - s.Age
	return true
}

// age is x's age in its queue, 0 outside the queues.
func (t *s3fifo) age(x *node) uint16 {
	if q := x.queue(); q == inSmall || q == inMain {
		return t.now(t.queue(q)) - x.stamp
	}
	return 0
}
