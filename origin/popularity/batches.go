package popularity

import (
	"errors"
	"fmt"
	"io"

	"github.com/vodedge/vodedge/origin/kv"
)

// Batch names one numbered batch of an edge's shipped access log: the
// node, the stream (the edge's spool; a new spool starts a new stream
// so its numbering can start again at 1) and the batch's sequence
// number within the stream, from 1.
type Batch struct {
	Node, Stream string
	Seq          uint64
}

// ErrBadBatch wraps a batch without a node, a stream or a number.
var ErrBadBatch = errors.New("popularity: batch needs a node, a stream and a sequence number from 1")

// key is where the stream's last counted sequence number is kept.
func (b Batch) key() string { return "s/" + b.Node + "/" + b.Stream }

// IngestBatch is Ingest for a numbered batch, counted at most once: the
// stream's last counted sequence number is written in the same synced
// Pebble batch as the totals the lines add, so a crash either counts
// the batch and records it, or neither. A batch whose number is not
// above the last counted one is a resend (the edge did not see the
// answer): it is read, not counted, and reported as a duplicate. A gap
// is accepted: the edge dropped batches past its spool bound and
// counts them itself.
//
// The edge sends one batch at a time, in order, so the last number is
// enough: a batch N+1 is only sent after N was acknowledged.
func (s *Store) IngestBatch(r io.Reader, b Batch) (st Stats, duplicate bool, err error) {
	if b.Node == "" || b.Stream == "" || b.Seq == 0 {
		return st, false, fmt.Errorf("%w: %+v", ErrBadBatch, b)
	}
	st, files, err := s.tally(r)
	if err != nil {
		return st, false, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	last, err := s.lastSeq(b)
	if err != nil || b.Seq <= last {
		if err == nil {
			s.m.batches.WithLabelValues("duplicate").Inc()
		}
		return st, err == nil, err
	}
	seq := b.Seq
	err = s.mergeLocked(files, func(kb *kv.Batch) { kb.Put(s.deps.Store, b.key(), seq) })
	if err == nil {
		s.m.observe(st)
		s.m.batches.WithLabelValues("counted").Inc()
	}
	return st, false, err
}

// LastBatch returns the last counted sequence number of a node's
// stream, 0 when none was.
func (s *Store) LastBatch(node, stream string) (uint64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSeq(Batch{Node: node, Stream: stream})
}

func (s *Store) lastSeq(b Batch) (uint64, error) {
	var last uint64
	err := s.deps.Store.Get(b.key(), &last)
	if errors.Is(err, kv.ErrNotFound) {
		return 0, nil
	}
	return last, err
}
