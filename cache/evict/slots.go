package evict

// index maps hashes to node numbers: open addressing with linear
// probing over 8-byte slots, each holding a 32-bit fingerprint of the
// hash (high half) and the node number + 1 (low half; 0 marks an empty
// slot). A slot's home position derives from its fingerprint alone, so
// growing and deleting (backward shift, no tombstones) never read an
// node; a lookup reads a node only when a fingerprint matches, to
// compare the full hash.
type index struct {
	slots []uint64
	n     int
	huge  bool // advise slots for huge pages (huge.go)
}

// The table grows by half beyond 75 % full and shrinks to 50 % full
// below 20 %, so it holds 1.33–2 slots (11–16 bytes) per node while
// growing.
const (
	minSlots = 64
	growAt   = 0.75
	shrinkAt = 0.20
)

func (x *index) next(i int) int {
	if i++; i == len(x.slots) {
		return 0
	}
	return i
}

// find returns h's slot and node number, or -1, -1.
func (x *index) find(h uint64, s *nodes) (slot int, e int32) {
	if x.n == 0 {
		return -1, -1
	}
	fp := fingerprint(h)
	for i := reduce(fp, len(x.slots)); ; i = x.next(i) {
		v := x.slots[i]
		if v == 0 {
			return -1, -1
		}
		if uint32(v>>32) == fp {
			if e := int32(uint32(v)) - 1; s.at(e).hash == h {
				return i, e
			}
		}
	}
}

// insert adds h → e; h must not be present.
func (x *index) insert(h uint64, e int32) {
	if float64(x.n+1) > growAt*float64(len(x.slots)) {
		x.resize(max(minSlots, len(x.slots)*3/2))
	}
	x.place(uint64(fingerprint(h))<<32 | uint64(uint32(e+1)))
	x.n++
}

func (x *index) place(v uint64) {
	i := reduce(uint32(v>>32), len(x.slots))
	for x.slots[i] != 0 {
		i = x.next(i)
	}
	x.slots[i] = v
}

func (x *index) resize(n int) {
	old := x.slots
	x.slots = makeArray[uint64](n, x.huge)
	for _, v := range old {
		if v != 0 {
			x.place(v)
		}
	}
}

// delete empties slot i, shifting back the slots after it that may
// move closer to their home.
func (x *index) delete(i int) {
	n := len(x.slots)
	for j := x.next(i); x.slots[j] != 0; j = x.next(j) {
		k := reduce(uint32(x.slots[j]>>32), n)
		// The slot at j may move to i unless its home k lies
		// cyclically within (i, j].
		if i <= j && (k <= i || k > j) || i > j && k <= i && k > j {
			x.slots[i] = x.slots[j]
			i = j
		}
	}
	x.slots[i] = 0
	x.n--
	if n > minSlots && float64(x.n) < shrinkAt*float64(n) {
		x.resize(max(minSlots, 2*x.n))
	}
}
