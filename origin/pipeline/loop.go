package pipeline

import (
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/vodedge/vodedge/origin/kv"
)

type op int

const (
	opSubmit op = iota
	opCancel
	opRetry
	opRelease
)

type command struct {
	op       op
	spec     Spec
	id, step string
	reply    chan reply
}

type reply struct {
	job *Job
	err error
}

// load reads every persisted job (in ID order, which is creation order)
// and puts steps interrupted by a crash or shutdown back to Pending.
func (e *Engine) load() error {
	err := kv.ScanJSON(e.deps.Store, "", func(id string, j *Job) error {
		if e.recover(j) {
			if err := e.deps.Store.Put(j.ID, j); err != nil {
				return err
			}
		}
		e.jobs[id] = j
		e.order = append(e.order, id)
		return nil
	})
	if err != nil {
		return fmt.Errorf("pipeline: load jobs: %w", err)
	}
	for _, id := range e.order {
		e.publish(e.jobs[id])
	}
	e.notify()
	return nil
}

// recover resets Running steps; it reports whether j changed.
func (e *Engine) recover(j *Job) bool {
	changed := false
	for _, s := range j.Steps {
		if s.State != Running {
			continue
		}
		changed = true
		s.State, s.Progress, s.Detail = Pending, 0, ""
		if s.Attempts >= e.cfg.MaxAttempts {
			s.State, s.Error = Failed, fmt.Sprintf("interrupted %d times (controller stopped or crashed while it ran)", s.Attempts)
		}
		e.log.Info("step interrupted by a restart; it will run again", "job", j.ID, "step", s.Name, "attempts", s.Attempts)
	}
	if changed {
		j.State = j.derive()
	}
	return changed
}

// loop is the scheduler: the only goroutine that changes jobs.
func (e *Engine) loop() {
	defer close(e.done)
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	prune := time.NewTicker(pruneEvery)
	defer prune.Stop()
	for {
		wake := e.dispatch()
		e.m.running.Set(float64(e.running))
		timer.Reset(wake)
		select {
		case c := <-e.cmds:
			e.handle(c)
		case r := <-e.results:
			e.finish(r)
		case <-prune.C:
			e.prune()
		case <-timer.C:
		case <-e.stop:
			e.drain()
			return
		}
	}
}

// drain cancels the running steps and records them as interrupted.
func (e *Engine) drain() {
	for _, cancel := range e.cancels {
		cancel()
	}
	for e.running > 0 {
		r := <-e.results
		e.running--
		delete(e.cancels, r.key)
		if j := e.jobs[r.key.job]; j != nil {
			if s := j.Step(r.key.step); s != nil && s.State == Running {
				s.State, s.Progress, s.Detail = Pending, 0, "interrupted by shutdown"
				s.Attempts--
				e.save(j)
			}
		}
	}
}

// dispatch starts runnable steps while workers are free and returns how
// long until a backoff expires (or an hour).
func (e *Engine) dispatch() time.Duration {
	now := e.deps.Now()
	wake, queued := time.Hour, 0
	for _, id := range e.order {
		j := e.jobs[id]
		if j.Cancelled || j.State == Done {
			continue
		}
		for _, s := range j.Steps {
			if s.State != Pending || j.blocked(s) {
				continue
			}
			if wait := s.NextAttempt.Sub(now); wait > 0 {
				wake = min(wake, wait)
				continue
			}
			if e.running >= e.cfg.Workers {
				queued++
				continue
			}
			e.start(j, s, now)
		}
	}
	e.m.queue.Set(float64(queued))
	return wake
}

func (e *Engine) handle(c command) {
	var j *Job
	var err error
	switch c.op {
	case opSubmit:
		j, err = e.submit(c.spec)
	case opCancel:
		j, err = e.cancel(c.id)
	case opRetry:
		j, err = e.retry(c.id)
	case opRelease:
		j, err = e.release(c.id, c.step)
	}
	if j != nil {
		j = j.clone()
	}
	c.reply <- reply{job: j, err: err}
}

func (e *Engine) submit(spec Spec) (*Job, error) {
	now := e.deps.Now()
	j := &Job{ID: newID(now), Kind: spec.Kind, Subject: spec.Subject, Created: now}
	for _, st := range spec.Steps {
		s := &Step{Name: st.Name, Kind: st.Kind, Deps: st.Deps, Args: st.Args, State: Pending}
		if st.State == Done {
			s.State, s.Result, s.Progress, s.Finished = Done, st.Result, 1, now
		}
		j.Steps = append(j.Steps, s)
	}
	if err := e.save(j); err != nil {
		return nil, err
	}
	e.jobs[j.ID] = j
	e.order = append(e.order, j.ID)
	e.log.Info("job submitted", "job", j.ID, "kind", j.Kind, "subject", j.Subject, "steps", len(j.Steps))
	return j, nil
}

func (e *Engine) cancel(id string) (*Job, error) {
	j, ok := e.jobs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	j.Cancelled = true
	for _, s := range j.Steps {
		switch s.State {
		case Running:
			e.cancels[stepKey{id, s.Name}]()
		case Pending, Held, Failed:
			s.State = Cancelled
		}
	}
	e.log.Info("job cancelled", "job", id)
	return j, e.save(j)
}

func (e *Engine) retry(id string) (*Job, error) {
	j, ok := e.jobs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	j.Cancelled = false
	for _, s := range j.Steps {
		if s.State == Failed || s.State == Cancelled {
			s.State, s.Attempts, s.Error, s.NextAttempt = Pending, 0, "", time.Time{}
		}
	}
	return j, e.save(j)
}

func (e *Engine) release(id, step string) (*Job, error) {
	j, ok := e.jobs[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	s := j.Step(step)
	if s == nil || s.State != Held {
		return j, fmt.Errorf("%w: step %q of job %s is not held", ErrInvalid, step, id)
	}
	s.State, s.Error, s.Attempts = Pending, "", 0
	return j, e.save(j)
}

// save persists j, then publishes a copy for readers. A failed write
// leaves readers on the old state; the loop carries on (the next change
// writes the whole job again).
func (e *Engine) save(j *Job) error {
	j.State = j.derive()
	j.Updated = e.deps.Now()
	if err := e.deps.Store.Put(j.ID, j); err != nil {
		e.log.Error("cannot persist job", "job", j.ID, "err", err)
		return err
	}
	e.publish(j)
	e.notify()
	e.m.observeJobs(e.jobs)
	return nil
}

func (e *Engine) publish(j *Job) {
	c := j.clone()
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, ok := e.mu.snap[j.ID]; !ok {
		e.mu.order = append(e.mu.order, j.ID)
	}
	e.mu.snap[j.ID] = c
}

func (e *Engine) notify() {
	e.mu.Lock()
	defer e.mu.Unlock()
	close(e.mu.changed)
	e.mu.changed = make(chan struct{})
}

// newID is sortable by creation time: 12 hex digits of Unix milliseconds
// then 6 random ones.
func newID(now time.Time) string {
	var b [4]byte
	rand.Read(b[:])
	return fmt.Sprintf("%012x%06x", now.UnixMilli(), binary.BigEndian.Uint32(b[:])>>8)
}

// pruneEvery is how often finished jobs past Config.Retain are deleted.
const pruneEvery = time.Hour

// prune deletes done and cancelled jobs last updated before Retain ago.
func (e *Engine) prune() {
	cutoff := e.deps.Now().Add(-e.cfg.Retain)
	keep := e.order[:0]
	var gone []string
	for _, id := range e.order {
		j := e.jobs[id]
		old := (j.State == Done || j.State == Cancelled) && j.Updated.Before(cutoff)
		if old && e.deps.Store.Delete(id) == nil {
			delete(e.jobs, id)
			gone = append(gone, id)
			continue
		}
		keep = append(keep, id)
	}
	e.order = keep
	if len(gone) == 0 {
		return
	}
	e.unpublish(gone)
	e.log.Info("old jobs deleted", "jobs", len(gone), "older_than", cutoff)
}

func (e *Engine) unpublish(ids []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, id := range ids {
		delete(e.mu.snap, id)
	}
	order := e.mu.order[:0]
	for _, id := range e.mu.order {
		if _, ok := e.mu.snap[id]; ok {
			order = append(order, id)
		}
	}
	e.mu.order = order
}
