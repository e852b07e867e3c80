package disktier

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"
)

// healthEvery is how often free space and the error window are checked.
const healthEvery = 2 * time.Second

// health tracks whether the tier may admit new objects. Repeated I/O
// errors within a window, or free space under the floor, make it
// degraded; it recovers by itself once the window holds fewer errors and
// space is back.
type health struct {
	mu struct {
		sync.Mutex
		errors   []time.Time // recent I/O errors, oldest first
		total    int64       // I/O errors since the disk was opened
		full     bool
		degraded string // reason; "" when healthy
	}
	max    int
	window time.Duration
	// bad mirrors mu.degraded != "" for readers that must not lock (the
	// placement's choice of a disk to write to).
	bad atomic.Bool
}

func (h *health) init(cfg Config) { h.max, h.window = cfg.MaxErrors, cfg.ErrorWindow }

// ioError records an error and returns how many are within the window.
func (h *health) ioError(err error) int {
	if err == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mu.errors = append(h.mu.errors, time.Now())
	h.mu.total++
	h.updateLocked()
	return len(h.mu.errors)
}

func (h *health) diskFull() {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mu.full = true
	h.updateLocked()
}

// refresh drops errors older than the window and records free space.
func (h *health) refresh(full bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.mu.full = full
	h.updateLocked()
}

func (h *health) updateLocked() {
	cut := time.Now().Add(-h.window)
	i := 0
	for i < len(h.mu.errors) && h.mu.errors[i].Before(cut) {
		i++
	}
	h.mu.errors = h.mu.errors[i:]
	switch {
	case h.mu.full:
		h.mu.degraded = "disk full"
	case len(h.mu.errors) >= h.max:
		h.mu.degraded = fmt.Sprintf("%d I/O errors in %v", len(h.mu.errors), h.window)
	default:
		h.mu.degraded = ""
	}
	h.bad.Store(h.mu.degraded != "")
}

// counts returns the I/O errors since the disk was opened and those
// within the window.
func (h *health) counts() (total int64, recent int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.updateLocked()
	return h.mu.total, len(h.mu.errors)
}

func (h *health) reason() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.mu.degraded
}

// Degraded returns why the disk admits nothing new ("" when healthy).
func (s *disk) Degraded() string { return s.health.reason() }

// degraded is Degraded() != "", without a lock.
func (s *disk) degraded() bool { return s.health.bad.Load() }

func (s *disk) admitting() error {
	if r := s.failed(); r != "" {
		return fmt.Errorf("%w: disk failed: %s", ErrNotAdmitting, r)
	}
	if !s.admit.Load() {
		return fmt.Errorf("%w: index still loading", ErrNotAdmitting)
	}
	if r := s.health.reason(); r != "" {
		return fmt.Errorf("%w: degraded: %s", ErrNotAdmitting, r)
	}
	return nil
}

func (s *disk) checkHealth() {
	s.checkRoot()
	free, err := s.free()
	if err != nil {
		s.ioError(err)
		return
	}
	s.freeBytes.Store(free)
	s.health.refresh(free < s.cfg.MinFreeBytes)
}

// goLoop runs fn every d until the store closes.
func (s *disk) goLoop(d time.Duration, fn func()) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		t := time.NewTicker(d)
		defer t.Stop()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
				fn()
			}
		}
	}()
}
