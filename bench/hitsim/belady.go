package hitsim

import "container/heap"

// belady is Belady's MIN with bypass: it knows each access's next use
// (workload.accesses[i].next) and keeps what is needed soonest.
type belady struct {
	capacity, used int64
	sizes          []int64
	nextUse        []int32 // slice id → next use while cached
	in             []bool
	h              useHeap // may hold stale entries; checked against nextUse
}

func newBelady(w *workload, capacity int64) *belady {
	n := len(w.keys)
	return &belady{capacity: capacity, sizes: w.sizes, nextUse: make([]int32, n), in: make([]bool, n)}
}

func (c *belady) access(w *workload, i int) bool {
	a := w.accesses[i]
	if c.in[a.id] {
		c.setNext(a.id, a.next)
		return true
	}
	size := c.sizes[a.id]
	if size > c.capacity || a.next == never {
		return false // a slice never used again is never worth a byte
	}
	for c.used+size > c.capacity {
		v := c.furthest()
		if c.nextUse[v] <= a.next {
			return false // everything cached is needed sooner: bypass
		}
		heap.Pop(&c.h)
		c.in[v] = false
		c.used -= c.sizes[v]
	}
	c.in[a.id] = true
	c.used += size
	c.setNext(a.id, a.next)
	return false
}

func (c *belady) setNext(id, next int32) {
	c.nextUse[id] = next
	heap.Push(&c.h, use{id, next})
}

// furthest returns the cached slice used furthest in the future, with
// stale heap entries dropped on the way.
func (c *belady) furthest() int32 {
	for {
		top := c.h[0]
		if c.in[top.id] && c.nextUse[top.id] == top.next {
			return top.id
		}
		heap.Pop(&c.h)
	}
}

func (c *belady) close() {}

type use struct{ id, next int32 }

// useHeap is a max-heap on next use.
type useHeap []use

func (h useHeap) Len() int           { return len(h) }
func (h useHeap) Less(i, j int) bool { return h[i].next > h[j].next }
func (h useHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *useHeap) Push(x any)        { *h = append(*h, x.(use)) }
func (h *useHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
