package hitsim

// sieve is SIEVE (Zhang et al., "SIEVE is simpler than LRU", NSDI 2024)
// over a byte capacity: one FIFO, new slices at the head, a visited bit
// set by a hit, and a hand that moves from the tail towards the head,
// clearing visited bits until it reaches an unvisited slice, which goes.
// The hand stays where it stopped; past the head it wraps to the tail.
type sieve struct {
	capacity int64
	sizes    []int64
	q        queue
	in       []bool
	visited  []bool
	hand     int32 // -1: start from the tail
}

func newSIEVE(sizes []int64, capacity int64) *sieve {
	n := len(sizes)
	prev, next := links(n)
	return &sieve{capacity: capacity, sizes: sizes, q: newQueue(prev, next),
		in: make([]bool, n), visited: make([]bool, n), hand: -1}
}

func (c *sieve) access(w *workload, i int) bool { return c.get(w.accesses[i].id) }

// get looks id up and admits it on a miss; it reports a hit.
func (c *sieve) get(id int32) bool {
	if c.in[id] {
		c.visited[id] = true
		return true
	}
	size := c.sizes[id]
	if size > c.capacity {
		return false
	}
	for c.q.bytes+size > c.capacity {
		c.evict()
	}
	c.in[id], c.visited[id] = true, false
	c.q.push(id, size)
	return false
}

func (c *sieve) evict() {
	o := c.hand
	if o < 0 {
		o = c.q.tail
	}
	for c.visited[o] {
		c.visited[o] = false
		if o = c.q.prev[o]; o < 0 {
			o = c.q.tail
		}
	}
	c.hand = c.q.prev[o]
	c.q.remove(o, c.sizes[o])
	c.in[o] = false
}

func (c *sieve) close() {}
