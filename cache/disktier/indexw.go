package disktier

import (
	"fmt"
	"runtime/debug"
	"sync"

	"github.com/cockroachdb/pebble/v2"
)

// ixWriter makes every write to one disk's index on two goroutines of
// its own, never on the caller's: the applier runs writes one at a time,
// the syncer makes them durable, one WAL sync for every request waiting
// (so concurrent commits share a sync, as they did in Pebble's own
// pipeline).
//
// Why: Pebble treats a failed WAL write as fatal. A failed sync reaches
// Logger.Fatalf and the write then returns nil; a write after a failed
// background flush panics inside Pebble's commit pipeline with its lock
// held, and every later write to that database blocks forever (measured
// with errorfs on pebble v2.1.7). Callers here are request and fill
// goroutines, so they wait for the writer's answer or for the disk to
// fail, whichever comes first, and a dead index can hold at most these
// two goroutines, never a caller. The disk's Fatalf fails the disk
// instead of exiting the process (pebbleLogger), a panic of a write is
// recovered and fails it too, and a write answered after either counts
// as failed, whatever Pebble returned.
type ixWriter struct {
	db    *pebble.DB
	ops   chan ixOp
	syncs chan chan error
	dead  <-chan struct{} // closed once the disk failed
	fail  func(reason string)
	stop  chan struct{}
	wg    sync.WaitGroup

	mu       sync.Mutex // protects panicked
	panicked bool       // a write panicked: Pebble's commit lock may be held forever
}

type ixOp struct {
	fn   func(*pebble.DB) error
	done chan error
}

func newIxWriter(db *pebble.DB, dead <-chan struct{}, fail func(string)) *ixWriter {
	w := &ixWriter{db: db, ops: make(chan ixOp), syncs: make(chan chan error), dead: dead, fail: fail, stop: make(chan struct{})}
	w.wg.Add(2)
	go w.applier()
	go w.syncer()
	return w
}

// apply runs fn, a write to the index, on the applier and returns its
// error; ErrDiskFailed when the disk failed before fn answered, however
// fn ended.
func (w *ixWriter) apply(fn func(*pebble.DB) error) error {
	op := ixOp{fn: fn, done: make(chan error, 1)}
	select {
	case w.ops <- op:
	case <-w.dead:
		return ErrDiskFailed
	case <-w.stop:
		return errClosed
	}
	select {
	case err := <-op.done:
		return err
	case <-w.dead:
		return ErrDiskFailed
	}
}

// sync makes every write applied before it durable.
func (w *ixWriter) sync() error {
	done := make(chan error, 1)
	select {
	case w.syncs <- done:
	case <-w.dead:
		return ErrDiskFailed
	case <-w.stop:
		return errClosed
	}
	select {
	case err := <-done:
		return err
	case <-w.dead:
		return ErrDiskFailed
	}
}

func (w *ixWriter) applier() {
	defer w.wg.Done()
	for {
		select {
		case <-w.stop:
			return
		case <-w.dead:
			return
		case op := <-w.ops:
			op.done <- w.run(op.fn)
		}
	}
}

// syncer answers every sync request waiting with one WAL sync that
// started after they arrived.
func (w *ixWriter) syncer() {
	defer w.wg.Done()
	for {
		var waiting []chan error
		select {
		case <-w.stop:
			return
		case <-w.dead:
			return
		case done := <-w.syncs:
			waiting = append(waiting, done)
		}
		waiting = w.drainSyncs(waiting)
		err := w.run(func(db *pebble.DB) error { return db.LogData(nil, pebble.Sync) })
		for _, done := range waiting {
			done <- err
		}
	}
}

// drainSyncs adds the sync requests already waiting to waiting.
func (w *ixWriter) drainSyncs(waiting []chan error) []chan error {
	for {
		select {
		case done := <-w.syncs:
			waiting = append(waiting, done)
		default:
			return waiting
		}
	}
}

// run calls fn on the index; a panic, or the disk failing meanwhile (a
// Fatalf on this goroutine), is ErrDiskFailed.
func (w *ixWriter) run(fn func(*pebble.DB) error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			w.mu.Lock()
			w.panicked = true
			w.mu.Unlock()
			w.fail(fmt.Sprintf("index write panicked: %v", p))
			err = fmt.Errorf("%w: index write panicked: %v\n%s", ErrDiskFailed, p, debug.Stack())
		}
	}()
	err = fn(w.db)
	select {
	case <-w.dead:
		return fmt.Errorf("%w (index write: %v)", ErrDiskFailed, err)
	default:
		return err
	}
}

// close stops the two goroutines and waits for them; it does not wait
// for one stuck in a failed Pebble (see disk.closeNow).
func (w *ixWriter) close() {
	close(w.stop)
	if !w.wedged() {
		w.wg.Wait()
	}
}

// wedged reports whether a write panicked inside Pebble, after which the
// database can neither be written nor closed.
func (w *ixWriter) wedged() bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.panicked
}
