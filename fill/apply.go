package fill

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/manifest"
)

// apply brings the node in line with m: every file m assigns it is held
// and pinned. It returns true when that is done (then files of older
// manifests are unpinned), false when it stopped early (ctx, a newer
// manifest, files that failed from every source). Files the window's end
// interrupted are fetched again, whole, once it reopens (a clock that
// jumps past the end and back behaves the same).
func (a *Agent) apply(ctx context.Context, m *manifest.Manifest) bool {
	mine := m.For(a.cfg.Node)
	todo := a.start(m, mine)
	for len(todo) > 0 {
		var failed bool
		var stopped bool
		todo, failed, stopped = a.fetchAll(ctx, m, todo)
		if stopped || failed {
			return false
		}
	}
	if ctx.Err() != nil {
		return false
	}
	a.release(mine)
	return true
}

// fetchAll fetches todo inside the window, Concurrency at a time. It
// returns the files abandoned at the window's end, whether any failed
// from every source, and whether it stopped early (ctx, a newer
// manifest).
func (a *Agent) fetchAll(ctx context.Context, m *manifest.Manifest, todo []manifest.Entry) (abandoned []manifest.Entry, failed, stopped bool) {
	var wg sync.WaitGroup
	var mu sync.Mutex // protects abandoned and failed
	sem := make(chan struct{}, a.cfg.Concurrency)
	for _, e := range todo {
		if ctx.Err() != nil || a.superseded(m) || !a.waitWindow(ctx) {
			stopped = true
			break
		}
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			stopped = true
		}
		if stopped {
			break
		}
		wg.Go(func() {
			defer func() { <-sem }()
			err := a.fetchFile(ctx, e)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case errors.Is(err, ErrWindowClosed) && ctx.Err() == nil:
				abandoned = append(abandoned, e)
			case err != nil:
				failed = true
			}
		})
	}
	wg.Wait()
	return abandoned, failed, stopped || ctx.Err() != nil
}

// start resets progress for m and returns the entries still to fetch,
// pinning those already held.
func (a *Agent) start(m *manifest.Manifest, mine []manifest.Entry) []manifest.Entry {
	var todo []manifest.Entry
	var total, held int64
	for _, e := range mine {
		total += e.Size
		if a.held(e) {
			held += e.Size
			a.pin(e, true)
			continue
		}
		todo = append(todo, e)
	}
	a.mu.Lock()
	a.mu.status = Status{
		Version: m.Version, Site: m.Site, Applied: a.mu.applied, State: StateFilling,
		Files: len(mine), FilesDone: len(mine) - len(todo), Bytes: total, BytesDone: held,
		BySource: map[string]int64{}, Started: a.deps.Now(),
	}
	a.mu.Unlock()
	a.m.pending.Set(float64(len(todo)))
	return a.mastersFirst(todo)
}

// mastersFirst orders the files this node is a fill master for before
// the others (each group keeping its priority order): a node never holds
// its fetch slots waiting for other masters while files it must fetch
// for the site wait behind them.
func (a *Agent) mastersFirst(todo []manifest.Entry) []manifest.Entry {
	var mine, rest []manifest.Entry
	for _, e := range todo {
		if slices.Contains(a.masters(e.Key), a.cfg.Node) {
			mine = append(mine, e)
		} else {
			rest = append(rest, e)
		}
	}
	return append(mine, rest...)
}

// slices returns how many slices a file of size bytes has (at least one).
func (a *Agent) slices(size int64) int64 {
	return max((size+a.cfg.SliceBytes-1)/a.cfg.SliceBytes, 1)
}

// held reports whether every slice of e is in the disk tier, for a file
// of e's size.
func (a *Agent) held(e manifest.Entry) bool {
	for idx := range a.slices(e.Size) {
		r, ok := a.deps.Store.Lookup(cachekey.SliceKey(e.Key, idx))
		if !ok || r.ObjSize != e.Size {
			return false
		}
	}
	return true
}

func (a *Agent) pin(e manifest.Entry, pinned bool) {
	for idx := range a.slices(e.Size) {
		if _, err := a.deps.Store.Pin(cachekey.SliceKey(e.Key, idx), pinned); err != nil {
			a.log.Warn("pinning failed", "key", e.Key, "err", err)
		}
	}
}

// release unpins every pinned slice whose file the node no longer holds
// for the manifest; eviction then reclaims them as space is needed.
func (a *Agent) release(mine []manifest.Entry) {
	keep := make(map[string]bool, len(mine))
	for _, e := range mine {
		keep[e.Key] = true
	}
	after, n := "", 0
	for {
		page, err := a.deps.Store.List(after, 1000)
		if err != nil || len(page) == 0 {
			break
		}
		for _, r := range page {
			after = r.Key
			if r.Pinned && !keep[cachekey.ObjectKey(r.Key)] {
				if _, err := a.deps.Store.Pin(r.Key, false); err == nil {
					n++
				}
			}
		}
	}
	if n > 0 {
		a.log.Info("unpinned slices no longer listed", "count", n)
	}
}

// waitWindow returns once fetching is allowed (inside the window, or
// forced), false if ctx ends first.
func (a *Agent) waitWindow(ctx context.Context) bool {
	for !a.allowed() {
		a.setState(StateWaiting)
		wait := min(a.cfg.Window.Until(a.deps.Now()), time.Second)
		select {
		case <-ctx.Done():
			return false
		case <-a.wake:
		case <-time.After(wait):
		}
	}
	a.setState(StateFilling)
	return true
}

// allowed reports whether fill traffic may flow now.
func (a *Agent) allowed() bool {
	open := a.cfg.Window.Open(a.deps.Now())
	a.m.windowOpen.Set(b2f(open))
	return open || a.forced()
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
