package jsqueue

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"github.com/vodedge/vodedge/origin/pipeline"
)

// generations is a worker's view of controller generations (genKey):
// the newest it knows and the tasks it runs, so that it stops those a
// restarted controller has dispatched again.
type generations struct {
	mu      sync.Mutex // protects newest and running
	newest  int64
	running map[string]runningTask
}

type runningTask struct {
	gen  int64
	stop func()
}

// admit registers a task about to run; false if it is of an older
// generation than the newest known (it must not run).
func (g *generations) admit(id string, gen int64, stop func()) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if gen < g.newest {
		return false
	}
	g.advanceLocked(gen)
	if g.running == nil {
		g.running = map[string]runningTask{}
	}
	g.running[id] = runningTask{gen: gen, stop: stop}
	return true
}

func (g *generations) done(id string) {
	g.mu.Lock()
	delete(g.running, id)
	g.mu.Unlock()
}

func (g *generations) advance(gen int64) {
	g.mu.Lock()
	g.advanceLocked(gen)
	g.mu.Unlock()
}

// advanceLocked raises newest and stops the tasks now older.
func (g *generations) advanceLocked(gen int64) {
	if gen <= g.newest {
		return
	}
	g.newest = gen
	for id, t := range g.running {
		if t.gen < gen {
			t.stop()
			delete(g.running, id)
		}
	}
}

// watchGenerations follows genKey until ctx ends. A watch does not
// outlive a NATS restart (the embedded server restarts with the
// controller, and that is when a new generation comes): it is set up
// again whenever it fails or ends and after every reconnect.
func (w *Worker) watchGenerations(ctx context.Context) {
	for ctx.Err() == nil {
		if err := w.watchOnce(ctx); err != nil && ctx.Err() == nil {
			w.log.Warn("cannot follow the controller's generation; retrying", "err", err)
			select {
			case <-ctx.Done():
			case <-time.After(time.Second):
			}
		}
	}
}

// watchOnce follows genKey until ctx ends, the watch ends or the
// connection is re-established.
func (w *Worker) watchOnce(ctx context.Context) error {
	watcher, err := w.ctl.Watch(ctx, genKey)
	if err != nil {
		return err
	}
	defer watcher.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-w.reconnected:
			return nil
		case e, ok := <-watcher.Updates():
			if !ok {
				return errors.New("jsqueue: the generation watch ended")
			}
			if e == nil {
				continue
			}
			if gen, err := strconv.ParseInt(string(e.Value()), 10, 64); err == nil {
				w.gens.advance(gen)
				w.prepare(ctx, gen)
			}
		}
	}
}

// prepare makes the step functions of a generation as soon as it is
// known, so that settings this worker refuses are reported at once
// rather than at its first step.
func (w *Worker) prepare(ctx context.Context, gen int64) {
	_, err := w.funcsFor(ctx, gen)
	switch {
	case errors.Is(err, pipeline.ErrPermanent):
		w.log.Error("this worker cannot run the steps of the controller's generation "+strconv.FormatInt(gen, 10)+"; they fail here until that changes", "err", err)
	case err != nil:
		w.log.Warn("cannot read the controller's step settings yet; tried again at its first step", "err", err)
	}
}
