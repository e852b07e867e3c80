package evict

// maxAge is the oldest age Reorder tells apart; older entries sort as
// this old.
const maxAge = 1 << 15

// Reorder sorts both queues by age, oldest at the tail, as Export saw
// them: a bucket sort over the ages through the entries' own links,
// with 256 KiB of buckets whatever the size. It holds the lock for the
// whole pass (about a second for 20 million entries): call it once,
// after restoring and before evicting.
func (c *Compact) Reorder() {
	c.mu.Lock()
	defer c.mu.Unlock()
	t := c.t
	heads, tails := make([]int32, maxAge), make([]int32, maxAge)
	for _, q := range []*fifo{&t.small, &t.main} {
		t.reorder(q, heads, tails)
	}
}

// reorder empties q into age buckets, tail first, then pushes them back
// oldest first, so equal ages keep their order.
func (t *s3fifo) reorder(q *fifo, heads, tails []int32) {
	for i := range heads {
		heads[i], tails[i] = -1, -1
	}
	for e := q.tail; e >= 0; {
		x := t.nodes.at(e)
		prev := x.prev
		a := min(int(t.age(x)), maxAge-1)
		x.next = -1
		if tails[a] >= 0 {
			t.nodes.at(tails[a]).next = e
		} else {
			heads[a] = e
		}
		tails[a] = e
		e = prev
	}
	clock := q.clock
	*q = newFIFO()
	q.clock = clock
	for a := maxAge - 1; a >= 0; a-- {
		for e := heads[a]; e >= 0; {
			next := t.nodes.at(e).next
			q.push(&t.nodes, e)
			e = next
		}
	}
}
