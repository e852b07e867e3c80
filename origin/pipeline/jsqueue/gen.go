package jsqueue

import (
	"context"
	"strconv"
	"sync"
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

// watchGenerations follows genKey until ctx ends.
func (w *Worker) watchGenerations(ctx context.Context) {
	watcher, err := w.ctl.Watch(ctx, genKey)
	if err != nil {
		w.log.Warn("cannot follow the controller's generation; stale steps are not stopped", "err", err)
		return
	}
	defer watcher.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case e, ok := <-watcher.Updates():
			if !ok {
				return
			}
			if e == nil {
				continue
			}
			if gen, err := strconv.ParseInt(string(e.Value()), 10, 64); err == nil {
				w.gens.advance(gen)
			}
		}
	}
}
