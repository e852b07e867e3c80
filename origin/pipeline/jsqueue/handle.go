package jsqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vodedge/vodedge/origin/pipeline"
)

// handle runs one message's step and records its outcome, then acks. A
// task that already has a record (its outcome, from a worker that died
// before acking, or the controller's cancellation) is acked without
// running again: finished outputs are never redone.
func (w *Worker) handle(ctx context.Context, m jetstream.Msg) {
	var tk task
	if err := json.Unmarshal(m.Data(), &tk); err != nil || tk.Job == nil || tk.ID == "" {
		w.log.Error("malformed message on the step queue; dropped", "err", err)
		m.Term()
		return
	}
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var cancelled atomic.Bool
	sub, err := w.nc.Subscribe(w.cfg.Prefix+cancelSuffix+"."+tk.ID, func(*nats.Msg) { cancelled.Store(true); cancel() })
	if err == nil {
		defer sub.Unsubscribe()
		// The server has the subscription once Flush returns: a
		// cancellation is either recorded before the check below or
		// published after it and delivered.
		err = w.nc.FlushTimeout(10 * time.Second)
	}
	if err != nil {
		m.NakWithDelay(time.Second)
		return
	}
	if !w.gens.admit(tk.ID, tk.Gen, func() { cancelled.Store(true); cancel() }) {
		w.log.Info("step dispatched by a controller that has restarted since; dropped", "job", tk.Job.ID, "step", tk.Step, "task", tk.ID)
		m.Term()
		return
	}
	defer w.gens.done(tk.ID)
	if w.recorded(ctx, m, tk) || w.finishedBefore(ctx, m, tk) {
		return
	}
	if err := overDelivered(m, tk); err != nil {
		w.log.Error("step given up", "job", tk.Job.ID, "step", tk.Step, "task", tk.ID, "err", err)
		w.record(ctx, m, tk, outcomeOf(nil, err))
		return
	}
	funcs, err := w.funcsFor(ctx, tk.Gen)
	switch {
	case errors.Is(err, pipeline.ErrPermanent):
		w.log.Error("step refused", "job", tk.Job.ID, "step", tk.Step, "task", tk.ID, "err", err)
		w.record(ctx, m, tk, outcomeOf(nil, err))
		return
	case err != nil:
		w.log.Warn("cannot read the step settings; handing the step back", "err", err)
		m.NakWithDelay(time.Second)
		return
	}
	o, ok := w.execute(ctx, sctx, &cancelled, m, tk, funcs)
	if !ok {
		return
	}
	w.record(ctx, m, tk, o)
}

// overDelivered is the failure of a task delivered more than its
// MaxDeliver times: each earlier delivery ended without an outcome,
// which is what a step that kills its worker (out of memory, a crash
// in ffmpeg's host) looks like from here. A plain error: the engine
// retries the step as for any failure, under a new dispatch.
func overDelivered(m jetstream.Msg, tk task) error {
	md, err := m.Metadata()
	if err != nil || tk.MaxDeliver < 1 || md.NumDelivered <= uint64(tk.MaxDeliver) {
		return nil
	}
	return fmt.Errorf("step %s given up after %d deliveries to workers without an outcome (limit %d): each run ended its worker or lost its connection to NATS",
		tk.Step, md.NumDelivered-1, tk.MaxDeliver)
}

// recorded reports whether the task already has a record, acking (or
// handing back, if the bucket cannot be read) the message then.
func (w *Worker) recorded(ctx context.Context, m jetstream.Msg, tk task) bool {
	_, err := w.results.Get(ctx, tk.ID)
	switch {
	case err == nil:
		w.log.Info("step already recorded; acking the redelivery", "job", tk.Job.ID, "step", tk.Step, "task", tk.ID)
		m.Ack()
		return true
	case !errors.Is(err, jetstream.ErrKeyNotFound):
		w.log.Warn("cannot read the results bucket; handing the step back", "err", err)
		m.NakWithDelay(time.Second)
		return true
	}
	return false
}

// execute runs the step while acking progress; ok is false when the
// step was cancelled (the message is dropped) or the worker is stopping
// (the message goes back to the queue).
func (w *Worker) execute(ctx, sctx context.Context, cancelled *atomic.Bool, m jetstream.Msg, tk task, funcs map[string]pipeline.StepFunc) (o outcome, ok bool) {
	defer w.heartbeat(m)()
	w.log.Info("step started", "job", tk.Job.ID, "step", tk.Step, "task", tk.ID)
	start := time.Now()
	out, err := w.call(sctx, tk, funcs)
	switch {
	case cancelled.Load():
		w.log.Info("step cancelled by the controller (or by its restart)", "job", tk.Job.ID, "step", tk.Step)
		m.Term()
		return outcome{}, false
	case ctx.Err() != nil:
		m.Nak()
		return outcome{}, false
	}
	w.log.Info("step ended", "job", tk.Job.ID, "step", tk.Step, "elapsed", time.Since(start).Round(time.Millisecond), "err", err)
	return outcomeOf(out, err), true
}

// call runs the task's step function.
func (w *Worker) call(ctx context.Context, tk task, funcs map[string]pipeline.StepFunc) (json.RawMessage, error) {
	t, err := pipeline.NewTask(tk.Job, tk.Step, w.reporter(tk.ID))
	if err != nil {
		return nil, pipeline.Permanent(err)
	}
	fn, ok := funcs[t.Step.Kind]
	if !ok {
		return nil, pipeline.Permanent(fmt.Errorf("worker %s has no function for step kind %q", w.cfg.Name, t.Step.Kind))
	}
	return pipeline.Call(ctx, fn, t)
}

// progressEvery spaces a step's progress messages.
const progressEvery = 250 * time.Millisecond

// reporter publishes progress on core NATS, at most every
// progressEvery (and always the final 1).
func (w *Worker) reporter(id string) func(float64, string) {
	var mu sync.Mutex // protects last
	var last time.Time
	subject := w.cfg.Prefix + progressSuffix + "." + id
	return func(f float64, detail string) {
		mu.Lock()
		now := time.Now()
		due := now.Sub(last) >= progressEvery || f >= 1
		if due {
			last = now
		}
		mu.Unlock()
		if due {
			b, _ := json.Marshal(progress{Fraction: f, Detail: detail})
			w.nc.Publish(subject, b)
		}
	}
}

// heartbeat tells JetStream the step is still being worked on, three
// times per AckWait, until the returned stop is called.
func (w *Worker) heartbeat(m jetstream.Msg) (stop func()) {
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		tick := time.NewTicker(max(w.ackWait/3, 100*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				m.InProgress()
			}
		}
	})
	return func() { close(done); wg.Wait() }
}

// record stores the outcome, then acks. While the results bucket
// cannot be written (NATS is down: the embedded one is down with its
// controller) it tries again every second, so that a step finished
// while the controller is away is recorded once it is back, and the
// restarted controller takes the outcome instead of running the step
// again (leftovers.go). Only a worker stopped meanwhile gives up: the
// message goes back to the queue and the step runs again (step
// functions are idempotent).
func (w *Worker) record(ctx context.Context, m jetstream.Msg, tk task, o outcome) {
	o.Job, o.Step, o.Gen = tk.Job.ID, tk.Step, tk.Gen
	b, err := json.Marshal(o)
	if err != nil {
		w.log.Error("cannot encode a step's outcome", "job", tk.Job.ID, "step", tk.Step, "err", err)
		m.Nak()
		return
	}
	for try := 0; ; try++ {
		_, err = w.results.Put(ctx, tk.ID, b)
		if err == nil {
			break
		}
		if try == 0 {
			w.log.Warn("cannot record a step's outcome; retrying every second", "job", tk.Job.ID, "step", tk.Step, "task", tk.ID, "err", err)
		}
		select {
		case <-ctx.Done():
			w.log.Error("stopped before a step's outcome was recorded; handing it back", "job", tk.Job.ID, "step", tk.Step, "task", tk.ID)
			m.Nak()
			return
		case <-time.After(time.Second):
		}
	}
	w.done.note(tk.ID, o)
	w.log.Info("step recorded", "job", tk.Job.ID, "step", tk.Step, "task", tk.ID)
	m.Ack()
}
