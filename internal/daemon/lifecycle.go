package daemon

import (
	"context"
	"sync"
	"sync/atomic"
)

// Lifecycle is a daemon's run-once life, shared by the daemons so that
// each behaves the same way: its New registers what it opened
// (OnClose) and releases it when a later step fails (Release); Run
// begins once (Begin), reports when every part is started (SetStarted,
// for readiness), stops when Stopping is closed, and ends (End) after
// releasing; Shutdown stops a running daemon and waits for it, or
// releases at once one that never ran.
type Lifecycle struct {
	closers []func()    // release what New opened, last first
	started atomic.Bool // Run has started every part

	mu    sync.Mutex // protects state
	state runState
	stop  chan struct{} // closed by Shutdown
	done  chan struct{} // closed when everything is released
}

type runState int

const (
	idle runState = iota
	running
	stopped
)

// NewLifecycle returns the life of a daemon that has not run.
func NewLifecycle() *Lifecycle {
	return &Lifecycle{stop: make(chan struct{}), done: make(chan struct{})}
}

// OnClose registers a release step for what New opened. New calls it;
// nothing else does, so it takes no lock.
func (l *Lifecycle) OnClose(f func()) { l.closers = append(l.closers, f) }

// Release runs the release steps, last first; a second call finds none.
func (l *Lifecycle) Release() {
	for i := len(l.closers) - 1; i >= 0; i-- {
		l.closers[i]()
	}
	l.closers = nil
}

// Begin marks the daemon running. It is false when the daemon ran
// already or was shut down: a daemon runs once.
func (l *Lifecycle) Begin() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.state != idle {
		return false
	}
	l.state = running
	return true
}

// SetStarted records that Run has started every part.
func (l *Lifecycle) SetStarted() { l.started.Store(true) }

// Started reports whether Run has started every part; a daemon is not
// ready before.
func (l *Lifecycle) Started() bool { return l.started.Load() }

// Stopping is closed when Shutdown is called.
func (l *Lifecycle) Stopping() <-chan struct{} { return l.stop }

// End marks a run over: Run has stopped and released everything.
func (l *Lifecycle) End() { close(l.done) }

// Shutdown stops a running daemon and waits until its Run has ended, or
// until ctx ends. A daemon that never ran is released at once.
func (l *Lifecycle) Shutdown(ctx context.Context) error {
	l.mu.Lock()
	prev := l.state
	if prev != stopped {
		l.state = stopped
		close(l.stop)
	}
	l.mu.Unlock()
	if prev == idle {
		l.Release()
		l.End()
		return nil
	}
	select {
	case <-l.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
