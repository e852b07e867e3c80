package jsqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"
)

// leftovers are outcomes that workers recorded for dispatches of an
// earlier run of the controller: a worker finished a step while the
// controller was down (or crashed), and recorded it then or once NATS
// was back. The restarted controller puts those steps back to Pending
// and dispatches them again; Queue.Run takes such an outcome instead
// of running the step again, or, when it comes while the new dispatch
// is queued or running, takes it then and cancels the new dispatch.
type leftovers struct {
	mu      sync.Mutex               // protects found and waiting
	found   map[string]leftover      // by stepKey
	waiting map[string]chan leftover // Runs waiting for a step's, by stepKey
}

// leftover is one such outcome and its key in the results bucket.
type leftover struct {
	key string
	o   outcome
}

func stepKey(job, step string) string { return job + "\x00" + step }

// claim takes step k's leftover, or else registers a channel that gets
// it if it comes; release unregisters the channel.
func (l *leftovers) claim(k string) (leftover, bool, <-chan leftover) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if lo, ok := l.found[k]; ok {
		delete(l.found, k)
		return lo, true, nil
	}
	ch := make(chan leftover, 1)
	l.waiting[k] = ch
	return leftover{}, false, ch
}

func (l *leftovers) release(k string, ch <-chan leftover) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.waiting[k] == ch {
		delete(l.waiting, k)
	}
}

// offer hands lo to the Run waiting for its step, or keeps it.
func (l *leftovers) offer(lo leftover) {
	k := stepKey(lo.o.Job, lo.o.Step)
	l.mu.Lock()
	defer l.mu.Unlock()
	if ch, ok := l.waiting[k]; ok {
		delete(l.waiting, k)
		ch <- lo
		return
	}
	l.found[k] = lo
}

// followResults reads the results bucket for leftovers: it returns
// once the records there now are read (before the engine dispatches
// anything), and goes on with those recorded later until Close.
func (q *Queue) followResults(ctx context.Context) error {
	q.left = leftovers{found: map[string]leftover{}, waiting: map[string]chan leftover{}}
	fctx, stop := context.WithCancel(context.Background())
	w, err := q.results.WatchAll(fctx)
	if err == nil {
		err = q.readPresent(ctx, w)
	}
	if err != nil {
		stop()
		return fmt.Errorf("jsqueue: read the outcomes recorded before this start: %w", err)
	}
	q.stopFollow, q.followDone = stop, make(chan struct{})
	go func() {
		defer close(q.followDone)
		q.follow(fctx, w)
	}()
	return nil
}

// readPresent reads the watch until its marker of the present records.
func (q *Queue) readPresent(ctx context.Context, w jetstream.KeyWatcher) error {
	for {
		select {
		case e, ok := <-w.Updates():
			if !ok {
				return errors.New("the watch ended")
			}
			if e == nil {
				return nil
			}
			q.note(e)
		case <-ctx.Done():
			w.Stop()
			return ctx.Err()
		}
	}
}

// follow reads the watch until ctx ends, setting it up again if it
// ends with the connection.
func (q *Queue) follow(ctx context.Context, w jetstream.KeyWatcher) {
	for {
		select {
		case e, ok := <-w.Updates():
			if ok {
				if e != nil {
					q.note(e)
				}
				continue
			}
			w = q.rewatch(ctx)
			if w == nil {
				return
			}
		case <-ctx.Done():
			w.Stop()
			return
		}
	}
}

// rewatch sets the results watch up again, once a second, until it
// works (nil when ctx ends first).
func (q *Queue) rewatch(ctx context.Context) jetstream.KeyWatcher {
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(time.Second):
		}
		w, err := q.results.WatchAll(ctx)
		if err == nil {
			return w
		}
		q.log.Warn("cannot watch the recorded outcomes; retrying", "err", err)
	}
}

// note keeps a worker's record of an earlier generation's dispatch.
func (q *Queue) note(e jetstream.KeyValueEntry) {
	if e.Operation() != jetstream.KeyValuePut {
		return
	}
	var o outcome
	if json.Unmarshal(e.Value(), &o) != nil || o.Job == "" || o.Step == "" || o.Gen >= q.gen {
		return
	}
	q.left.offer(leftover{key: e.Key(), o: o})
}

// takeLeftover returns a leftover's answer, removing its record.
func (q *Queue) takeLeftover(ctx context.Context, lo leftover) (json.RawMessage, error) {
	q.log.Info("step finished by a worker before this controller started; its outcome is taken, the step is not run again",
		"job", lo.o.Job, "step", lo.o.Step, "task", lo.key)
	q.results.Purge(context.WithoutCancel(ctx), lo.key)
	return lo.o.answer()
}

// finished are the steps a worker recorded, by stepKey, so that it
// does not run again a step it finished for the controller's previous
// run (a leftover) when the restarted controller dispatches it anew
// before it has seen the leftover; bounded by finishedMax.
type finished struct {
	mu     sync.Mutex // protects byStep
	byStep map[string]leftover
}

const finishedMax = 4096

func (f *finished) note(key string, o outcome) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.byStep == nil || len(f.byStep) >= finishedMax {
		f.byStep = map[string]leftover{}
	}
	f.byStep[stepKey(o.Job, o.Step)] = leftover{key: key, o: o}
}

// take returns (and forgets) the record of tk's step of an older
// generation than tk's.
func (f *finished) take(tk task) (leftover, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := stepKey(tk.Job.ID, tk.Step)
	lo, ok := f.byStep[k]
	if !ok || lo.o.Gen >= tk.Gen {
		return leftover{}, false
	}
	delete(f.byStep, k)
	return lo, true
}

// putBack returns a record take gave, unless the step has a newer one
// or the records are full.
func (f *finished) putBack(lo leftover) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := stepKey(lo.o.Job, lo.o.Step)
	if _, ok := f.byStep[k]; !ok && len(f.byStep) < finishedMax {
		f.byStep[k] = lo
	}
}

// finishedBefore reports whether tk's step is one this worker finished
// for the controller's previous run and whose record is still there:
// the controller takes that record (Queue.Run), so the new dispatch is
// acked without running. A record already taken means the controller
// has moved on (it retries a failure, say): the step runs. If the
// bucket cannot be read, the note is kept and the message handed back,
// as recorded does.
func (w *Worker) finishedBefore(ctx context.Context, m jetstream.Msg, tk task) bool {
	lo, ok := w.done.take(tk)
	if !ok {
		return false
	}
	_, err := w.results.Get(ctx, lo.key)
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return false
	case err != nil:
		w.done.putBack(lo)
		w.log.Warn("cannot read the results bucket; handing the step back", "err", err)
		m.NakWithDelay(time.Second)
		return true
	}
	w.log.Info("step finished here for the controller's previous run, whose outcome it takes; not run again", "job", tk.Job.ID, "step", tk.Step, "task", tk.ID)
	m.Ack()
	return true
}
