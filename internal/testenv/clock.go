package testenv

import (
	"sync"
	"sync/atomic"
	"time"
)

// Clock is a clock a test moves by hand, for the components that take a
// func() time.Time (fill.Deps.Now, cluster.Deps.Now, tlsreload.Deps.Now,
// cache.Deps.Clock): pass c.Now. It is safe for concurrent use.
//
// It counts its reads. A component that re-evaluates its state reads the
// time, so a test proves that "nothing happened" by waiting until the
// component has looked again (Reads grew) and then checking its state,
// instead of sleeping and hoping it looked.
type Clock struct {
	mu    sync.Mutex // protects now
	now   time.Time
	reads atomic.Int64
}

// NewClock returns a clock reading start until it is moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.reads.Add(1)
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t, forward or back.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	c.now = t
	c.mu.Unlock()
}

// Advance moves the clock by d (back when d < 0) and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}

// Reads is how many times Now has been called.
func (c *Clock) Reads() int64 { return c.reads.Load() }
