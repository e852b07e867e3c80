package fill

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/manifest"
)

// batchFiles is how many files are fetched as one batch (masters first
// within it); the agent holds a batch's entries, never the manifest's.
const batchFiles = 4096

// apply brings the node in line with s: every file s assigns it is held
// and pinned. It returns true when that is done (then files of older
// manifests are unpinned), false when it stopped early (ctx, a newer
// manifest, files that failed from every source, an index it could not
// get). Files the window's end interrupted are fetched again, whole, once
// it reopens (a clock that jumps past the end and back behaves the same).
//
// It works in two passes over the node's groups, one group in memory at
// a time: the first fetches any index the node lacks, pins what it
// already holds and counts what it lacks (the diff); the second, if
// anything is missing, fetches the missing files batch by batch.
func (a *Agent) apply(ctx context.Context, s *manifest.Saved) bool {
	p, err := a.newPlan(s)
	missing := 0
	if err == nil {
		missing, err = a.start(ctx, p)
	}
	if err != nil {
		a.fail(err)
		return false
	}
	if missing == 0 { // nothing to fetch: no second pass
		a.release(ctx, p)
		return ctx.Err() == nil
	}
	var batch []manifest.Entry
	failed := false
	flush := func() bool {
		ok, stop := a.fetchBatch(ctx, s, batch)
		batch, failed = batch[:0], failed || !ok
		return !stop
	}
	errStop := errors.New("stopped")
	err = p.each(ctx, a, func(_ int, _ *manifest.Group, es []manifest.Entry) error {
		for _, e := range es {
			if !a.held(e) {
				batch = append(batch, e)
			}
		}
		if len(batch) >= batchFiles && !flush() {
			return errStop
		}
		return nil
	})
	if err == nil && len(batch) > 0 && !flush() {
		err = errStop
	}
	if err != nil || failed || ctx.Err() != nil {
		if err != nil && !errors.Is(err, errStop) && ctx.Err() == nil {
			a.fail(err)
		}
		return false
	}
	a.release(ctx, p)
	return true
}

// fail records an error that stopped a pass.
func (a *Agent) fail(err error) {
	a.log.Warn("fill: applying the manifest failed", "err", err)
	a.mu.Lock()
	a.mu.status.LastError = err.Error()
	a.mu.Unlock()
}

// fetchBatch fetches todo, refetching what the window's end abandoned
// once it reopens. ok is false if a file failed from every source; stop
// is true when ctx ended or a newer manifest came.
func (a *Agent) fetchBatch(ctx context.Context, s *manifest.Saved, todo []manifest.Entry) (ok, stop bool) {
	todo = a.mastersFirst(slices.Clone(todo))
	ok = true
	for len(todo) > 0 {
		var failed bool
		todo, failed, stop = a.fetchAll(ctx, s, todo)
		ok = ok && !failed
		if stop {
			return ok, true
		}
	}
	return ok, false
}

// fetchAll fetches todo inside the window, Concurrency at a time. It
// returns the files abandoned at the window's end, whether any failed
// from every source, and whether it stopped early (ctx, a newer
// manifest).
func (a *Agent) fetchAll(ctx context.Context, s *manifest.Saved, todo []manifest.Entry) (abandoned []manifest.Entry, failed, stopped bool) {
	var wg sync.WaitGroup
	var mu sync.Mutex // protects abandoned and failed
	sem := make(chan struct{}, a.cfg.Concurrency)
	for _, e := range todo {
		if ctx.Err() != nil || a.superseded(s) || !a.waitWindow(ctx) {
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

// start is the first pass: it fetches the indexes the node lacks, pins
// the files it holds, and resets progress to what is left.
func (a *Agent) start(ctx context.Context, p *plan) (missing int, err error) {
	var files, held int
	var total, heldBytes int64
	err = p.each(ctx, a, func(_ int, _ *manifest.Group, es []manifest.Entry) error {
		for _, e := range es {
			files++
			total += e.Size
			if a.held(e) {
				held++
				heldBytes += e.Size
				a.pin(e, true)
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	a.mu.Lock()
	a.mu.status = Status{
		Version: p.s.Header.Version, Site: p.s.Header.Site, Applied: a.mu.applied, State: StateFilling,
		Files: files, FilesDone: held, Bytes: total, BytesDone: heldBytes,
		BySource: map[string]int64{}, Started: a.deps.Now(),
	}
	a.mu.Unlock()
	a.m.pending.Set(float64(files - held))
	return files - held, nil
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
// for the manifest (eviction then reclaims them as space is needed), and
// drops the cached indexes of groups the node no longer holds. The
// store's listing comes in key order, so the plan's groups are read one
// at a time, not held.
func (a *Agent) release(ctx context.Context, p *plan) {
	gs, err := p.open(a)
	if err != nil {
		a.fail(err)
		return
	}
	defer gs.Close()
	h := &holder{gs: gs, ctx: ctx}
	after, n := "", 0
	for {
		page, err := a.deps.Store.List(after, 1000)
		if err != nil || len(page) == 0 {
			break
		}
		for _, r := range page {
			after = r.Key
			if r.Pinned && !h.holds(cachekey.ObjectKey(r.Key)) {
				if _, err := a.deps.Store.Pin(r.Key, false); err == nil {
					n++
				}
			}
		}
	}
	if n > 0 {
		a.log.Info("unpinned slices no longer listed", "count", n)
	}
	a.dropIndexes(gs)
}

// dropIndexes removes the cached indexes of groups the node no longer
// holds files of.
func (a *Agent) dropIndexes(gs *groups) {
	keep := make([][32]byte, 0, len(gs.p.refs)) // sorted: 32 bytes a group
	for _, r := range gs.p.refs {
		g, err := manifest.ReadGroup(gs.f, r.off, int(r.n))
		if err != nil {
			return // keep everything on doubt
		}
		var sum [32]byte
		hex.Decode(sum[:], []byte(g.Index))
		keep = append(keep, sum)
	}
	slices.SortFunc(keep, func(x, y [32]byte) int { return bytes.Compare(x[:], y[:]) })
	kept := func(h string) bool {
		var sum [32]byte
		if n, err := hex.Decode(sum[:], []byte(h)); err != nil || n != 32 {
			return false
		}
		_, ok := slices.BinarySearchFunc(keep, sum, func(x, y [32]byte) int { return bytes.Compare(x[:], y[:]) })
		return ok
	}
	if n, err := a.indexes.Keep(kept); err == nil && n > 0 {
		a.log.Info("dropped file indexes no longer used", "count", n)
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
