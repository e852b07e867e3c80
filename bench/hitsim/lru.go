package hitsim

// lru is an exact LRU over byte capacity: an intrusive doubly linked list
// over slice ids, most recent at head.
type lru struct {
	capacity, used int64
	sizes          []int64
	prev, next     []int32
	in             []bool
	head, tail     int32
}

func newLRU(w *workload, capacity int64) *lru {
	n := len(w.keys)
	c := &lru{capacity: capacity, sizes: w.sizes, prev: make([]int32, n), next: make([]int32, n), in: make([]bool, n), head: -1, tail: -1}
	return c
}

func (c *lru) access(w *workload, i int) bool {
	id := w.accesses[i].id
	if c.in[id] {
		c.unlink(id)
		c.pushFront(id)
		return true
	}
	size := c.sizes[id]
	if size > c.capacity {
		return false
	}
	for c.used+size > c.capacity {
		v := c.tail
		c.unlink(v)
		c.in[v] = false
		c.used -= c.sizes[v]
	}
	c.pushFront(id)
	c.in[id] = true
	c.used += size
	return false
}

func (c *lru) unlink(id int32) {
	p, n := c.prev[id], c.next[id]
	if p >= 0 {
		c.next[p] = n
	} else {
		c.head = n
	}
	if n >= 0 {
		c.prev[n] = p
	} else {
		c.tail = p
	}
}

func (c *lru) pushFront(id int32) {
	c.prev[id], c.next[id] = -1, c.head
	if c.head >= 0 {
		c.prev[c.head] = id
	}
	c.head = id
	if c.tail < 0 {
		c.tail = id
	}
}

func (c *lru) close() {}
