package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
)

// Runner runs one step the loop found runnable and blocks until it ends:
// the step's JSON result, or its error (ErrHold, Permanent and plain
// errors mean what they mean for a StepFunc). The loop calls Run on a
// goroutine of its own per running step and cancels ctx to stop the step
// (Cancel, shutdown). Local, the default, calls the step function in
// this process; a work-queue runner (origin/pipeline/jsqueue) hands the
// step to worker processes and waits for their answer.
type Runner interface {
	Run(ctx context.Context, t *Task) (json.RawMessage, error)
}

// Local runs steps in this process with the step functions registered
// by kind.
type Local map[string]StepFunc

// Run calls the step's function (Call).
func (l Local) Run(ctx context.Context, t *Task) (json.RawMessage, error) {
	fn, ok := l[t.Step.Kind]
	if !ok {
		return nil, Permanent(fmt.Errorf("step %s: no function for kind %q", t.Step.Name, t.Step.Kind))
	}
	return Call(ctx, fn, t)
}

// Call calls fn, turning a panic into a permanent failure (a bug in a
// step must not take the process down) and the result into JSON.
func Call(ctx context.Context, fn StepFunc, t *Task) (out json.RawMessage, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = Permanent(fmt.Errorf("step panicked: %v", p))
		}
	}()
	v, err := fn(ctx, t)
	if err != nil {
		return nil, err
	}
	if raw, ok := v.(json.RawMessage); ok {
		return raw, nil
	}
	return json.Marshal(v)
}

// NewTask is a step's task outside the engine (a worker process): job as
// the engine sent it, the named step of it, and where progress goes (nil
// drops it). It fails when the job has no such step.
func NewTask(job *Job, step string, progress func(fraction float64, detail string)) (*Task, error) {
	s := job.Step(step)
	if s == nil {
		return nil, fmt.Errorf("%w: job %s has no step %q", ErrInvalid, job.ID, step)
	}
	if progress == nil {
		progress = func(float64, string) {}
	}
	return &Task{Job: job, Step: s, progress: progress}, nil
}
