package jsqueue

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vodedge/vodedge/origin/pipeline"
)

// stepSets are a worker's step functions for the newest generation it
// has run steps of, built by WorkerDeps.Steps from that generation's
// settings (settingsKey).
type stepSets struct {
	mu    sync.Mutex // protects gen, funcs and err
	gen   int64
	funcs map[string]pipeline.StepFunc
	err   error // a permanent error of gen's settings
}

// funcsFor returns the step functions for generation gen. A permanent
// error (pipeline.ErrPermanent) means this worker cannot run the
// generation's steps: no settings published, or settings it refuses.
func (w *Worker) funcsFor(ctx context.Context, gen int64) (map[string]pipeline.StepFunc, error) {
	if w.fixed != nil {
		return w.fixed, nil
	}
	w.sets.mu.Lock()
	if w.sets.gen == gen && (w.sets.funcs != nil || w.sets.err != nil) {
		defer w.sets.mu.Unlock()
		return w.sets.funcs, w.sets.err
	}
	w.sets.mu.Unlock()
	// Built outside the lock (it reads NATS and may start ffmpeg); two
	// slots meeting a new generation at once both build, which is
	// harmless.
	funcs, err := w.build(ctx, gen)
	if err != nil && !errors.Is(err, pipeline.ErrPermanent) {
		return nil, err
	}
	w.sets.mu.Lock()
	defer w.sets.mu.Unlock()
	if gen >= w.sets.gen {
		w.sets.gen, w.sets.funcs, w.sets.err = gen, funcs, err
	}
	return funcs, err
}

// build reads generation gen's settings and makes its step functions.
func (w *Worker) build(ctx context.Context, gen int64) (map[string]pipeline.StepFunc, error) {
	e, err := w.ctl.Get(ctx, settingsKey(gen))
	switch {
	case errors.Is(err, jetstream.ErrKeyNotFound):
		return nil, pipeline.Permanent(fmt.Errorf("worker %s: the controller (generation %d) published no step settings: it runs an older vodedge than this worker; run the same version on both", w.cfg.Name, gen))
	case err != nil:
		return nil, fmt.Errorf("jsqueue: read the step settings of generation %d: %w", gen, err)
	}
	funcs, err := w.steps(ctx, e.Value())
	switch {
	case err != nil && ctx.Err() != nil:
		return nil, err // the worker is stopping: not the settings' fault
	case err != nil:
		return nil, pipeline.Permanent(fmt.Errorf("worker %s cannot run the controller's steps: %w", w.cfg.Name, err))
	}
	return funcs, nil
}
