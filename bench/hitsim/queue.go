package hitsim

// queue is an intrusive FIFO over slice ids: head is the newest, tail
// the oldest. prev points towards the head, next towards the tail. It
// keeps the count and the bytes it holds. The link arrays are shared by
// the queues of one policy, since a slice is in at most one of them.
type queue struct {
	prev, next []int32
	head, tail int32
	n          int
	bytes      int64
}

func newQueue(prev, next []int32) queue {
	return queue{prev: prev, next: next, head: -1, tail: -1}
}

// links returns two link arrays for n slice ids.
func links(n int) (prev, next []int32) { return make([]int32, n), make([]int32, n) }

func (q *queue) push(id int32, size int64) {
	q.prev[id], q.next[id] = -1, q.head
	if q.head >= 0 {
		q.prev[q.head] = id
	}
	q.head = id
	if q.tail < 0 {
		q.tail = id
	}
	q.n++
	q.bytes += size
}

func (q *queue) remove(id int32, size int64) {
	p, n := q.prev[id], q.next[id]
	if p >= 0 {
		q.next[p] = n
	} else {
		q.head = n
	}
	if n >= 0 {
		q.prev[n] = p
	} else {
		q.tail = p
	}
	q.n--
	q.bytes -= size
}
