package disktier

import (
	"context"
	"errors"
	"time"

	"golang.org/x/time/rate"
)

// scrub reads every stored slice in index order at ScrubBytesPerSec,
// verifying its checksums (ChunkReader evicts what does not match), then
// starts over after a pause. It is what finds bit rot in objects nobody
// has asked for since start-up.
func (s *disk) scrub() {
	defer s.wg.Done()
	lim := rate.NewLimiter(rate.Limit(s.cfg.ScrubBytesPerSec), s.cfg.ChunkBytes)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		<-s.stop
		cancel()
	}()
	for {
		if !s.waitLoaded(ctx) {
			return
		}
		start := time.Now()
		n, err := s.scrubPass(ctx, lim)
		if err != nil {
			return
		}
		s.log.Debug("scrub pass done", "slices", n, "took", time.Since(start).Round(time.Second))
		select {
		case <-ctx.Done():
			return
		case <-time.After(s.cfg.ScrubPause):
		}
	}
}

func (s *disk) waitLoaded(ctx context.Context) bool {
	for !s.loaded.Load() {
		select {
		case <-ctx.Done():
			return false
		case <-time.After(100 * time.Millisecond):
		}
	}
	return true
}

// scrubPass verifies every slice once. It pages through the index so no
// iterator stays open across the rate limiter's waits.
func (s *disk) scrubPass(ctx context.Context, lim *rate.Limiter) (int, error) {
	after, n := "", 0
	for {
		page, err := s.List("", after, 256)
		if err != nil || len(page) == 0 {
			return n, err
		}
		for _, r := range page {
			if err := s.scrubOne(ctx, lim, r); errors.Is(err, context.Canceled) {
				return n, err
			}
			n++
			after = r.Key
		}
	}
}

func (s *disk) scrubOne(ctx context.Context, lim *rate.Limiter, r *Record) error {
	c, err := s.NewChunkReader(r)
	if err != nil {
		return nil // missing or unreadable: already evicted
	}
	defer c.Close()
	for pos := int64(0); pos < r.Length; {
		if err := lim.WaitN(ctx, min(s.cfg.ChunkBytes, int(r.Length-pos))); err != nil {
			return context.Canceled
		}
		p, err := c.Next(pos)
		if err != nil {
			s.m.scrubFailures.Inc()
			return nil
		}
		pos += int64(len(p))
	}
	s.m.scrubbed.Add(float64(r.Length))
	return nil
}
