package evict

// fifo is an intrusive queue over node numbers: head is the newest,
// tail the oldest. It counts its nodes and their blocks, and the blocks
// ever pushed into it: the clock its nodes are stamped with (see Saved).
type fifo struct {
	head, tail int32
	n          int
	blocks     int64
	clock      uint64
}

func newFIFO() fifo { return fifo{head: -1, tail: -1} }

// push puts e at the head.
func (q *fifo) push(s *nodes, e int32) {
	x := s.at(e)
	x.prev, x.next = -1, q.head
	if q.head >= 0 {
		s.at(q.head).prev = e
	}
	q.head = e
	if q.tail < 0 {
		q.tail = e
	}
	q.n++
	q.blocks += int64(x.blocks)
}

func (q *fifo) remove(s *nodes, e int32) {
	x := s.at(e)
	if x.prev >= 0 {
		s.at(x.prev).next = x.next
	} else {
		q.head = x.next
	}
	if x.next >= 0 {
		s.at(x.next).prev = x.prev
	} else {
		q.tail = x.prev
	}
	x.prev, x.next = -1, -1
	q.n--
	q.blocks -= int64(x.blocks)
}
