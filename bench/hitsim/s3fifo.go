package hitsim

// s3fifo is S3-FIFO (Yang et al., "FIFO queues are all you need for
// cache eviction", SOSP 2023) over a byte capacity: a small FIFO of
// 10 % of the bytes admits new slices, a main FIFO holds the rest, and
// a ghost FIFO remembers, as keys only, as many bytes of slices as the
// main one holds. Each cached slice has a 2-bit hit counter. See the package
// documentation for the rules.
type s3fifo struct {
	capacity, smallCap int64
	sizes              []int64
	small, main        queue
	where              []uint8 // slice id → s3None, s3Small or s3Main
	freq               []uint8 // hits while cached, capped at 3
	ghost              ghostFIFO
}

const (
	s3None uint8 = iota
	s3Small
	s3Main
)

func newS3FIFO(sizes []int64, capacity int64) *s3fifo {
	n := len(sizes)
	prev, next := links(n)
	smallCap := capacity / 10 // the published 10 %
	return &s3fifo{capacity: capacity, smallCap: smallCap, sizes: sizes,
		small: newQueue(prev, next), main: newQueue(prev, next),
		where: make([]uint8, n), freq: make([]uint8, n), ghost: newGhostFIFO(sizes, capacity-smallCap)}
}

func (c *s3fifo) access(w *workload, i int) bool { return c.get(w.accesses[i].id) }

// get looks id up and admits it on a miss; it reports a hit.
func (c *s3fifo) get(id int32) bool {
	if c.where[id] != s3None {
		c.freq[id] = min(c.freq[id]+1, 3)
		return true
	}
	size := c.sizes[id]
	if size > c.capacity {
		return false
	}
	for c.used()+size > c.capacity {
		c.evict()
	}
	c.freq[id] = 0
	if c.ghost.take(id) {
		c.where[id] = s3Main
		c.main.push(id, size)
	} else {
		c.where[id] = s3Small
		c.small.push(id, size)
	}
	return false
}

func (c *s3fifo) used() int64 { return c.small.bytes + c.main.bytes }

func (c *s3fifo) evict() {
	if c.small.bytes >= c.smallCap && c.small.n > 0 || c.main.n == 0 {
		c.evictSmall()
	} else {
		c.evictMain()
	}
}

// evictSmall drops the small FIFO's tail into the ghost, moving tails
// hit while in the small FIFO to the main one on the way. The main FIFO
// may overgrow its share meanwhile; the small one is then under its own,
// and the next evictions come from the main one.
func (c *s3fifo) evictSmall() {
	for c.small.n > 0 {
		t := c.small.tail
		c.small.remove(t, c.sizes[t])
		if c.freq[t] == 0 {
			c.where[t] = s3None
			c.ghost.add(t)
			return
		}
		c.freq[t] = 0
		c.where[t] = s3Main
		c.main.push(t, c.sizes[t])
	}
	c.evictMain()
}

// evictMain drops the main FIFO's first tail without hits, reinserting
// the others at the head with one hit less.
func (c *s3fifo) evictMain() {
	for c.main.n > 0 {
		t := c.main.tail
		c.main.remove(t, c.sizes[t])
		if c.freq[t] == 0 {
			c.where[t] = s3None
			return
		}
		c.freq[t]--
		c.main.push(t, c.sizes[t])
	}
}

func (c *s3fifo) close() {}
