package pipeline

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// Errors.
var (
	// ErrNotFound: no job with that ID.
	ErrNotFound = errors.New("pipeline: job not found")
	// ErrInvalid: a job spec or request that cannot be accepted.
	ErrInvalid = errors.New("pipeline: invalid request")
	// ErrHold, wrapped in a step's error, parks the step in Held until
	// Release.
	ErrHold = errors.New("pipeline: held for approval")
	// ErrClosed: the engine is shut down.
	ErrClosed = errors.New("pipeline: closed")
	// ErrPermanent marks an error that retrying cannot fix; see Permanent.
	ErrPermanent = errors.New("pipeline: permanent failure")
)

// Permanent marks err so that the step fails without retries.
func Permanent(err error) error { return fmt.Errorf("%w: %w", ErrPermanent, err) }

// State of a step or job.
type State string

// States. A job is Queued until a step starts, Running while any step can
// still run, then Done, Failed, Held or Cancelled.
const (
	Queued    State = "queued"
	Pending   State = "pending"
	Running   State = "running"
	Done      State = "done"
	Failed    State = "failed"
	Held      State = "held"
	Cancelled State = "cancelled"
)

// Step is one node of a job graph and its record.
type Step struct {
	Name string `json:"name"`
	// Kind selects the step function.
	Kind string   `json:"kind"`
	Deps []string `json:"deps,omitempty"`
	// Args are the step function's input, opaque to the engine.
	Args json.RawMessage `json:"args,omitempty"`

	State    State  `json:"state"`
	Attempts int    `json:"attempts"`
	Error    string `json:"error,omitempty"`
	// Result is the step function's output, once Done.
	Result json.RawMessage `json:"result,omitempty"`
	// Progress (0..1) and Detail are reported by a running step.
	Progress    float64   `json:"progress"`
	Detail      string    `json:"detail,omitempty"`
	Started     time.Time `json:"started,omitzero"`
	Finished    time.Time `json:"finished,omitzero"`
	NextAttempt time.Time `json:"next_attempt,omitzero"`
	// Elapsed is the run time of the attempt that finished the step.
	Elapsed time.Duration `json:"elapsed_ns,omitempty"`
}

// Job is a graph of steps about one subject (for the controller, a title).
type Job struct {
	ID      string    `json:"id"`
	Kind    string    `json:"kind"`
	Subject string    `json:"subject"`
	State   State     `json:"state"`
	Steps   []*Step   `json:"steps"`
	Created time.Time `json:"created"`
	Updated time.Time `json:"updated"`
	// Cancelled is set by Cancel and cleared by Retry.
	Cancelled bool `json:"cancelled,omitempty"`
}

// Spec is what Submit takes: the steps in any order that respects their
// dependencies (a step is listed after the steps it depends on). A step
// with State Done (and a Result) is recorded as already done, e.g. a probe
// run synchronously at upload.
type Spec struct {
	Kind    string
	Subject string
	Steps   []Step
}

// Step returns the named step, or nil.
func (j *Job) Step(name string) *Step {
	for _, s := range j.Steps {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// clone deep-copies the parts of j that the loop mutates.
func (j *Job) clone() *Job {
	c := *j
	c.Steps = make([]*Step, len(j.Steps))
	for i, s := range j.Steps {
		cs := *s
		c.Steps[i] = &cs
	}
	return &c
}

// validate checks a spec: unique names, known kinds, dependencies listed
// before their dependents (so the graph has no cycle).
func (s Spec) validate(kinds map[string]StepFunc) error {
	if len(s.Steps) == 0 {
		return fmt.Errorf("%w: a job needs at least one step", ErrInvalid)
	}
	seen := map[string]bool{}
	for _, st := range s.Steps {
		if st.Name == "" || seen[st.Name] {
			return fmt.Errorf("%w: step name %q empty or repeated", ErrInvalid, st.Name)
		}
		if _, ok := kinds[st.Kind]; !ok && st.State != Done {
			return fmt.Errorf("%w: step %s: no function for kind %q", ErrInvalid, st.Name, st.Kind)
		}
		for _, d := range st.Deps {
			if !seen[d] {
				return fmt.Errorf("%w: step %s depends on %q, which is not listed before it", ErrInvalid, st.Name, d)
			}
		}
		seen[st.Name] = true
	}
	return nil
}

// derive computes the job's state from its steps.
func (j *Job) derive() State {
	var running, runnable, failed, held, done, pending int
	for _, s := range j.Steps {
		switch s.State {
		case Running:
			running++
		case Pending:
			pending++
			if !j.blocked(s) {
				runnable++
			}
		case Failed:
			failed++
		case Held:
			held++
		case Done:
			done++
		}
	}
	switch {
	case running > 0:
		return Running
	case j.Cancelled:
		return Cancelled
	case runnable > 0 && done == countPrefilled(j):
		return Queued
	case runnable > 0:
		return Running
	case failed > 0:
		return Failed
	case held > 0:
		return Held
	case pending > 0:
		return Failed // blocked forever behind a cancelled step
	}
	return Done
}

// countPrefilled counts steps that were done at submission (no attempts).
func countPrefilled(j *Job) int {
	n := 0
	for _, s := range j.Steps {
		if s.State == Done && s.Attempts == 0 {
			n++
		}
	}
	return n
}

// blocked reports whether a dependency of s is not Done.
func (j *Job) blocked(s *Step) bool {
	for _, d := range s.Deps {
		if dep := j.Step(d); dep == nil || dep.State != Done {
			return true
		}
	}
	return false
}
