package evict

// ghost is S3-FIFO's ghost queue without the queue: 8-way buckets of
// 8-byte slots, each a key's 32-bit fingerprint and the ghost's clock
// (blocks added before it, scaled to 32 bits) when it was added. A key
// is in the ghost while the blocks added since it, its own included,
// stay within the limit, which is what a FIFO trimmed to that many
// blocks holds. A full bucket overwrites its oldest slot (forgetting a
// key early); a slot found stale is cleared on the way. Fingerprint
// collisions make a false ghost hit about once in 2^29 lookups: the key
// goes to the main queue instead of the small one.
type ghost struct {
	slots []uint64 // len is a multiple of ghostWays
	clock uint64   // blocks added, ever
	shift uint     // stamps count clock >> shift
	limit uint64   // blocks
	huge  bool     // advise slots for huge pages (huge.go)
}

const ghostWays = 8

// newGhost returns a ghost whose stamps fit a limit of up to capBlocks.
func newGhost(capBlocks int64) ghost {
	g := ghost{}
	for uint64(capBlocks)>>g.shift >= 1<<30 {
		g.shift++
	}
	return g
}

func (g *ghost) stamp() uint32 { return uint32(g.clock >> g.shift) }

// live reports whether slot v is still within the limit.
func (g *ghost) live(v uint64) bool {
	return uint64(g.stamp()-uint32(v)) <= g.limit>>g.shift
}

func (g *ghost) bucket(fp uint32) []uint64 {
	b := reduce(fp, len(g.slots)/ghostWays) * ghostWays
	return g.slots[b : b+ghostWays]
}

// add remembers h, evicted with blocks.
func (g *ghost) add(h uint64, blocks uint32) {
	if len(g.slots) == 0 {
		return
	}
	fp := fingerprint(h)
	g.put(uint64(fp)<<32 | uint64(g.stamp()))
	g.clock += uint64(blocks)
}

// put stores v in its bucket: over the same key, an empty or stale
// slot, else the oldest.
func (g *ghost) put(v uint64) {
	b := g.bucket(uint32(v >> 32))
	victim, oldest := 0, uint32(0)
	for i, s := range b {
		if s == 0 || s>>32 == v>>32 || !g.live(s) {
			b[i] = v
			return
		}
		if age := g.stamp() - uint32(s); age >= oldest {
			victim, oldest = i, age
		}
	}
	b[victim] = v
}

// take reports whether h is in the ghost and forgets it.
func (g *ghost) take(h uint64) bool {
	if len(g.slots) == 0 {
		return false
	}
	fp := uint64(fingerprint(h))
	b, found := g.bucket(uint32(fp)), false
	for i, s := range b {
		switch {
		case s == 0:
		case !g.live(s):
			b[i] = 0
		case s>>32 == fp:
			b[i], found = 0, true
		}
	}
	return found
}

// resize rehashes the live slots into n buckets.
func (g *ghost) resize(n int) {
	old := g.slots
	g.slots = makeArray[uint64](max(n, 1)*ghostWays, g.huge)
	for _, s := range old {
		if s != 0 && g.live(s) {
			g.put(s)
		}
	}
}
