package evict

// node is what Compact keeps per hash: 24 bytes, no Go pointers.
type node struct {
	hash       uint64
	blocks     uint32 // charged size in 4 KiB blocks, summed over keys
	prev, next int32  // queue links (node numbers; prev towards the head), or the free list through next
	stamp      uint16 // queue clock when last pushed; see Saved
	keys       uint8  // keys sharing the hash: 1, more only on a collision
	state      uint8  // queue, counter, pinned, mark and flag bits
}

// state bits.
const (
	queueMask  = 0b11 // one of the queue values below
	freqShift  = 2
	freqMask   = 0b11 << freqShift // 2-bit hit counter, capped at 3
	pinnedBit  = 1 << 4
	markBit    = 1 << 5 // reconciliation epoch; see BeginSweep
	flagBit    = 1 << 6 // the caller's; see SetFlag
	maxFreq    = 3
	savedState = queueMask | freqMask | pinnedBit
)

// queue values: where a node is.
const (
	inNone   = 0 // pinned, or never queued
	inSmall  = 1
	inMain   = 2
	inVictim = 3 // handed out by Victim, waiting for Evict
)

func (e *node) queue() uint8 { return e.state & queueMask }
func (e *node) freq() uint8  { return (e.state & freqMask) >> freqShift }
func (e *node) pinned() bool { return e.state&pinnedBit != 0 }

func (e *node) setQueue(q uint8) { e.state = e.state&^queueMask | q }
func (e *node) setFreq(f uint8)  { e.state = e.state&^freqMask | f<<freqShift }

func (e *node) setPinned(p bool) {
	if p {
		e.state |= pinnedBit
	} else {
		e.state &^= pinnedBit
	}
}

// chunkBits sizes the chunks nodes are allocated in: 4096 nodes
// (96 KiB), so growth never copies them and at most one chunk is
// partly unused.
const (
	chunkBits = 12
	chunkLen  = 1 << chunkBits
)

// nodes is a chunked array of nodes with a free list. Node numbers
// are stable for a node's life: queues and the index refer to them.
type nodes struct {
	chunks [][]node
	n      int32 // numbers handed out so far (free ones included)
	free   int32 // head of the free list, -1 when empty
	live   int
	huge   bool   // allocate chunks from slabs advised for huge pages
	slab   []node // what is left of the current slab
}

func newNodes() nodes { return nodes{free: -1} }

func (s *nodes) at(e int32) *node { return &s.chunks[e>>chunkBits][e&(chunkLen-1)] }

// alloc returns a zeroed node's number.
func (s *nodes) alloc() int32 {
	s.live++
	if e := s.free; e >= 0 {
		s.free = s.at(e).next
		*s.at(e) = node{}
		return e
	}
	if int(s.n)>>chunkBits == len(s.chunks) {
		s.chunks = append(s.chunks, s.newChunk())
	}
	s.n++
	return s.n - 1
}

func (s *nodes) release(e int32) {
	*s.at(e) = node{next: s.free}
	s.free = e
	s.live--
}

// Slabs: a chunk (96 KiB) is too small to hold a 2 MiB-aligned huge
// page, so with huge set a table past slabFrom chunks cuts its chunks
// from slabs of as many chunks as it has, up to slabMax (24 MiB), each
// advised whole (huge.go): at most one slab is partly unused.
const (
	slabFrom = 64
	slabMax  = 256
)

// newChunk returns a zeroed chunk.
func (s *nodes) newChunk() []node {
	if !s.huge || len(s.chunks) < slabFrom {
		return make([]node, chunkLen)
	}
	if len(s.slab) == 0 {
		s.slab = makeArray[node](min(len(s.chunks), slabMax)*chunkLen, true)
	}
	c := s.slab[:chunkLen:chunkLen]
	s.slab = s.slab[chunkLen:]
	return c
}
