package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Task is what a step function gets: the job as it was when the step
// started (read-only) and a way to report progress.
type Task struct {
	Job      *Job
	Step     *Step
	progress func(fraction float64, detail string)
}

// Args decodes the step's Args into v.
func (t *Task) Args(v any) error {
	if len(t.Step.Args) == 0 {
		return nil
	}
	if err := json.Unmarshal(t.Step.Args, v); err != nil {
		return Permanent(fmt.Errorf("step %s: bad args: %w", t.Step.Name, err))
	}
	return nil
}

// Result decodes the result of a done step of the same job into v.
func (t *Task) Result(step string, v any) error { return Result(t.Job, step, v) }

// Progress reports the fraction done (0..1) and a short detail. It never
// blocks and is cheap enough to call per ffmpeg progress block.
func (t *Task) Progress(fraction float64, detail string) {
	t.progress(min(1, max(0, fraction)), detail)
}

type result struct {
	key     stepKey
	out     json.RawMessage
	err     error
	elapsed time.Duration
}

// start marks s Running (persisted) and runs it on a new goroutine.
func (e *Engine) start(j *Job, s *Step, now time.Time) {
	s.State, s.Attempts, s.Started, s.Error, s.Progress, s.Detail = Running, s.Attempts+1, now, "", 0, ""
	if err := e.save(j); err != nil {
		s.State, s.Attempts = Pending, s.Attempts-1
		s.NextAttempt = now.Add(e.cfg.Backoff)
		return
	}
	key := stepKey{j.ID, s.Name}
	ctx, cancel := context.WithCancel(context.Background())
	e.cancels[key] = cancel
	e.running++
	task, _ := NewTask(j.clone(), s.Name, func(f float64, detail string) {
		e.progress.set(key, progressValue{fraction: f, detail: detail})
	})
	e.log.Debug("step started", "job", j.ID, "step", s.Name, "attempt", s.Attempts)
	go func() {
		start := time.Now()
		out, err := e.deps.Runner.Run(ctx, task)
		e.results <- result{key: key, out: out, err: err, elapsed: time.Since(start)}
	}()
}

// finish records a step's outcome.
func (e *Engine) finish(r result) {
	e.running--
	cancel := e.cancels[r.key]
	delete(e.cancels, r.key)
	cancel()
	last := e.progress.take(r.key)
	j := e.jobs[r.key.job]
	s := j.Step(r.key.step)
	now := e.deps.Now()
	s.Finished, s.Elapsed, s.Detail = now, r.elapsed, last.detail
	outcome := e.outcome(j, s, r, now)
	e.m.observeStep(s.Kind, outcome, r.elapsed)
	e.save(j)
}

// outcome sets the step's state from its error and returns the metric
// label.
func (e *Engine) outcome(j *Job, s *Step, r result, now time.Time) string {
	switch {
	case r.err == nil:
		s.State, s.Result, s.Progress = Done, r.out, 1
		e.log.Info("step done", "job", j.ID, "step", s.Name, "elapsed", r.elapsed.Round(time.Millisecond))
		return "done"
	case j.Cancelled:
		s.State, s.Error = Cancelled, "cancelled"
		return "cancelled"
	case errors.Is(r.err, ErrHold):
		s.State, s.Error = Held, r.err.Error()
		e.log.Warn("step held", "job", j.ID, "step", s.Name, "reason", r.err)
		return "held"
	case errors.Is(r.err, ErrPermanent) || s.Attempts >= e.cfg.MaxAttempts:
		s.State, s.Error = Failed, r.err.Error()
		e.log.Error("step failed", "job", j.ID, "step", s.Name, "attempts", s.Attempts, "err", r.err)
		return "failed"
	}
	s.State, s.Error = Pending, r.err.Error()
	s.NextAttempt = now.Add(e.backoff(s.Attempts))
	e.log.Warn("step failed; will retry", "job", j.ID, "step", s.Name, "attempt", s.Attempts, "retry_at", s.NextAttempt, "err", r.err)
	return "retry"
}

// backoff doubles from Backoff per attempt, capped at MaxBackoff.
func (e *Engine) backoff(attempts int) time.Duration {
	d := e.cfg.Backoff
	for i := 1; i < attempts && d < e.cfg.MaxBackoff; i++ {
		d *= 2
	}
	return min(d, e.cfg.MaxBackoff)
}
