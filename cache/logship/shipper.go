package logship

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Shipper ships one access log. New recovers its spool; Run cuts the
// log into batches and sends them until its context ends. Only Run's
// goroutine touches the cursor and the spool.
type Shipper struct {
	cfg  Config
	http *http.Client
	log  *slog.Logger
	now  func() time.Time
	m    *metrics
	tail *tail

	cur     cursor  // where the next batch starts
	pending []batch // spooled, not yet acknowledged, oldest first
	backoff int     // ticks to wait after the last failure (doubling)
	wait    int     // ticks left before the next attempt
	failing bool    // the last attempt failed (logged once per outage)
}

// New validates cfg and opens the spool: it reads the cursor and the
// batches waiting there, and moves the cursor past the newest batch when
// the edge stopped between spooling it and saving the cursor.
func New(cfg Config, deps Deps) (*Shipper, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	s := &Shipper{cfg: cfg, http: deps.HTTP, log: deps.Logger, now: deps.Now}
	if s.http == nil {
		s.http = &http.Client{}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.m, err = newMetrics(deps.Registerer, s.now); err != nil {
		return nil, err
	}
	s.tail = newTail(cfg.LogPath, cfg.BatchBytes, s.log)
	return s, s.recover()
}

// recover reads the spool's cursor and batches.
func (s *Shipper) recover() error {
	dir := s.cfg.SpoolDir
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("logship: spool: %w", err)
	}
	_, statErr := os.Stat(filepath.Join(dir, cursorName))
	cur, err := loadCursor(dir)
	if err != nil {
		return err
	}
	batches, junk, err := readSpool(dir)
	if err != nil {
		return err
	}
	for _, j := range junk {
		s.log.Error("removed a damaged batch from the log spool (its lines are lost)", "batch", j)
	}
	if n := len(batches); n > 0 && batches[n-1].Seq >= cur.Seq {
		last := batches[n-1]
		cur.File, cur.Offset, cur.Seq, cur.Tail = last.File, last.End, last.Seq+1, last.Tail
	}
	s.cur, s.pending = cur, batches
	s.gauges()
	if statErr != nil { // a new spool: its stream is kept from now on
		return saveCursor(dir, cur)
	}
	return nil
}

// Run ships until ctx ends: every Every it cuts what the log gained
// into batches, applies the spool bound and sends the waiting batches
// in order, one at a time. When ctx ends it makes a last round, bounded
// by FinalWait, for the lines written as the node stopped.
func (s *Shipper) Run(ctx context.Context) error {
	defer s.tail.close()
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			s.finish()
			return nil
		case <-t.C:
		}
		s.step(ctx)
		t.Reset(s.cfg.Every)
	}
}

// FinalWait bounds the last round of a stopping shipper: what it cannot
// send by then waits in the spool for the next start.
const FinalWait = 5 * time.Second

func (s *Shipper) finish() {
	ctx, cancel := context.WithTimeout(context.Background(), min(FinalWait, s.cfg.Timeout))
	defer cancel()
	s.wait = 0
	s.step(ctx)
}

// step is one round: cut, bound, send.
func (s *Shipper) step(ctx context.Context) {
	if err := s.cut(ctx); err != nil {
		s.log.Warn("reading the access log into the spool failed; trying again", "err", err)
	}
	s.bound()
	s.sendPending(ctx)
}

// cut spools the log's new whole lines as batches, until caught up.
func (s *Shipper) cut(ctx context.Context) error {
	for ctx.Err() == nil {
		lines, skipped, err := s.tail.read(&s.cur)
		s.m.dropped.Add(float64(skipped))
		if err != nil || len(lines) == 0 && skipped == 0 {
			return err
		}
		if len(lines) > 0 {
			if err := s.spool(lines); err != nil {
				return err
			}
		}
	}
	return nil
}

// spool writes lines as the next batch, then moves the cursor past them.
func (s *Shipper) spool(lines []byte) error {
	b := batch{Seq: s.cur.Seq, Lines: bytes.Count(lines, []byte{'\n'}), Created: s.now().UTC(), File: s.cur.File,
		End: s.cur.Offset + int64(len(lines)), Tail: lastBytes(lines)}
	size, err := writeBatch(s.cfg.SpoolDir, b, lines)
	if err != nil {
		return err
	}
	b.size = size
	next := s.cur
	next.Offset, next.Seq, next.Tail = b.End, b.Seq+1, b.Tail
	if err := saveCursor(s.cfg.SpoolDir, next); err != nil {
		// The batch is spooled: a restart finds the cursor from it.
		s.log.Warn("saving the log shipper's cursor failed", "err", err)
	}
	s.cur = next
	s.pending = append(s.pending, b)
	s.gauges()
	return nil
}

// bound drops the oldest batches while the spool is over its bound.
func (s *Shipper) bound() {
	dropped, lines := 0, 0
	for s.m.spoolBytes.Load() > s.cfg.SpoolBytes && len(s.pending) > 0 {
		b := s.pending[0]
		s.remove(b)
		dropped++
		lines += b.Lines
		s.m.dropped.Add(float64(b.Lines))
		s.m.batches.WithLabelValues("dropped").Inc()
	}
	if dropped > 0 {
		s.log.Warn("the log spool is full: dropped its oldest batches", "batches", dropped, "lines", lines, "spool_bytes", s.cfg.SpoolBytes)
	}
}

// remove deletes a batch that is the oldest waiting.
func (s *Shipper) remove(b batch) {
	if err := os.Remove(filepath.Join(s.cfg.SpoolDir, batchName(b.Seq))); err != nil {
		s.log.Warn("removing a shipped batch failed (it will be sent again and answered as a duplicate)", "seq", b.Seq, "err", err)
	}
	s.pending = s.pending[1:]
	s.gauges()
}

// gauges publishes the spool's state.
func (s *Shipper) gauges() {
	var lines, size int64
	for _, b := range s.pending {
		lines += int64(b.Lines)
		size += b.size
	}
	s.m.lagLines.Store(lines)
	s.m.spoolBytes.Store(size)
	if len(s.pending) == 0 {
		s.m.oldest.Store(0)
	} else {
		s.m.oldest.Store(s.pending[0].Created.UnixNano())
	}
}
