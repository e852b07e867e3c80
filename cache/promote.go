package cache

import (
	"github.com/vodedge/vodedge/cache/disktier"
)

// maybePromote queues a disk hit for promotion to the RAM tier on its
// 2nd, 4th, 8th… hit: popular slices get a chance at RAM, and a slice
// the RAM tier keeps refusing costs a disk read only log₂(hits) times.
// The request path never waits: a full queue drops the promotion.
func (s *Server) maybePromote(rec *disktier.Record) {
	h := s.disk.Hits(rec.Key)
	if h < 2 || h&(h-1) != 0 {
		return
	}
	select {
	case s.promotions <- rec:
	default:
		s.metrics.promoteDropped.Inc()
	}
}

// promoter reads queued slices (verifying their checksums) and offers
// them to the RAM tier, whose admission policy decides.
func (s *Server) promoter() {
	defer s.bg.Done()
	for {
		select {
		case <-s.ctx.Done():
			return
		case rec := <-s.promotions:
			s.promote(rec)
		}
	}
}

func (s *Server) promote(rec *disktier.Record) {
	cr, err := s.disk.NewChunkReader(rec)
	if err != nil {
		return
	}
	data, err := cr.ReadAll()
	cr.Close()
	if err != nil {
		return
	}
	if s.ram.Set(s.ramSlice(rec.Key, s.recordMeta(rec), rec.Offset, data), 0) {
		s.metrics.promotions.Inc()
	}
}
