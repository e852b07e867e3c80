package logship

import (
	"context"
	"log/slog"
)

// sendPending sends the waiting batches oldest first, one at a time,
// until one fails; after a failure it waits a number of rounds that
// doubles up to MaxBackoff.
func (s *Shipper) sendPending(ctx context.Context) {
	if s.wait > 0 {
		s.wait--
		return
	}
	for len(s.pending) > 0 && ctx.Err() == nil {
		b := s.pending[0]
		out, err := s.send(ctx, b)
		if ctx.Err() != nil {
			return // stopping: the batch stays for the next run
		}
		s.m.batches.WithLabelValues(out.String()).Inc()
		if out == failed {
			s.failed(ctx, err)
			return
		}
		if out == rejected {
			s.log.Error("the controller refused a batch of access-log lines; dropped", "seq", b.Seq, "lines", b.Lines, "err", err)
			s.m.dropped.Add(float64(b.Lines))
		} else {
			s.m.shipped.Add(float64(b.Lines))
		}
		s.remove(b)
		s.recovered()
	}
}

// failed schedules the next attempt and logs the first failure of an
// outage as a warning, the rest at debug level.
func (s *Shipper) failed(ctx context.Context, err error) {
	s.backoff = min(max(2*s.backoff, 1), int(s.cfg.MaxBackoff/s.cfg.Every))
	s.wait = s.backoff - 1
	level := slog.LevelWarn
	if s.failing {
		level = slog.LevelDebug
	}
	s.failing = true
	s.log.Log(ctx, level, "shipping access-log batches to the controller failed; they wait in the spool", "url", s.cfg.URL, "err", err, "waiting", len(s.pending))
}

func (s *Shipper) recovered() {
	if s.failing {
		s.log.Info("access-log batches reach the controller again", "url", s.cfg.URL)
	}
	s.failing, s.backoff, s.wait = false, 0, 0
}
