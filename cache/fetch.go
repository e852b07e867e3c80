package cache

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"github.com/vodedge/vodedge/cache/memfile"
	"github.com/vodedge/vodedge/cache/stream"
	"github.com/vodedge/vodedge/origin"
)

// Origin is what the edge needs from an origin: the bytes of one slice of
// an object with the object's metadata. origin.File, origin.HTTP,
// origin.S3 and origin.Sample implement it.
type Origin interface {
	Fetch(ctx context.Context, req origin.Request) (*origin.Object, error)
}

// fetch is one origin fetch of one slice, shared by every request that
// wants the slice while it is in flight.
type fetch struct {
	key    string // the slice's key
	obj    string // the object's key
	idx    int64
	ready  chan struct{} // closed once meta and body, or err, are set
	purged atomic.Bool   // purged while in flight: do not store

	// Set before ready is closed, read-only after.
	meta   *meta
	off    int64
	length int64
	body   *stream.Buffer
	err    error
}

// finished reports whether f has all its bytes in memory.
func (f *fetch) finished() bool {
	select {
	case <-f.ready:
		return f.err == nil && f.body.Bytes() != nil
	default:
		return false
	}
}

// flights is the set of fetches in progress, one per slice key.
type flights struct {
	mu sync.Mutex
	m  map[string]*fetch // protected by mu
}

// acquire returns a source for slice idx of key: the RAM tier's copy, the
// disk tier's, the fetch in flight, or a new fetch. It never waits for
// the origin.
func (s *Server) acquire(key string, idx int64) source {
	sk := sliceKey(key, idx)
	for attempt := 0; ; attempt++ {
		if src, ok := s.cached(sk); ok {
			return src
		}
		if src, retry := s.joinOrStart(key, sk, idx, attempt == 0); !retry {
			return src
		}
	}
}

// cached looks sk up in the RAM tier, then the disk tier.
func (s *Server) cached(sk string) (source, bool) {
	if sl, ok := s.ram.Get(sk); ok {
		return source{tier: tierRAM, sl: sl}, true
	}
	if s.disk == nil {
		return source{}, false
	}
	rec, ok := s.disk.Lookup(sk, true)
	if !ok {
		return source{}, false
	}
	s.maybePromote(rec)
	d := &diskSlice{store: s.disk, rec: rec, meta: recordMeta(rec), verify: s.disk.NeedsVerify(sk)}
	return source{tier: tierDisk, d: d}, true
}

// joinOrStart joins the fetch in flight for sk or starts one. A fetch
// leaves the flight map only after its slice is in the RAM tier (or was
// refused) and committed to disk, so looking at both again under the
// flight lock closes the gap since cached looked. The disk check under
// the lock is in memory only; when it says the slice is there, retry
// asks the caller to look it up again without the lock.
func (s *Server) joinOrStart(key, sk string, idx int64, mayRetry bool) (src source, retry bool) {
	s.flights.mu.Lock()
	defer s.flights.mu.Unlock()
	if f := s.flights.m[sk]; f != nil {
		if f.finished() {
			return source{tier: tierRAM, f: f}, false // complete, on its way into the tiers
		}
		s.metrics.collapsed.Inc()
		return source{tier: tierMiss, f: f}, false
	}
	if sl, ok := s.ram.Get(sk); ok {
		return source{tier: tierRAM, sl: sl}, false
	}
	if mayRetry && s.disk != nil && s.disk.Has(sk) {
		return source{}, true
	}
	if idx > 0 {
		if neg, ok := s.ram.Get(key); ok && neg.notFound {
			return source{tier: tierRAM, sl: neg}, false
		}
	}
	f := &fetch{key: sk, obj: key, idx: idx, ready: make(chan struct{})}
	s.flights.m[sk] = f
	s.fetches.Add(1)
	go s.run(f)
	return source{tier: tierMiss, f: f}, false
}

// run performs f against the origin. It owns f until ready is closed and
// the body buffer until the buffer is closed.
func (s *Server) run(f *fetch) {
	defer s.fetches.Done()
	defer s.forget(f)
	s.metrics.inflight.Inc()
	defer s.metrics.inflight.Dec()

	req := origin.Request{Key: f.obj, Offset: f.idx * s.cfg.SliceBytes, Length: s.cfg.SliceBytes}
	obj, err := s.origin.Fetch(s.ctx, req)
	if err == nil {
		err = s.checkAnswer(req, obj)
		if err != nil {
			obj.Body.Close()
		}
	}
	if err != nil {
		s.fail(f, err)
		return
	}
	defer obj.Body.Close()
	f.meta, f.off, f.length = newMeta(f.obj, obj.Meta), obj.Offset, obj.Length
	f.body = stream.New(int(obj.Length), int(obj.Length))
	close(f.ready)
	wt := s.startWriteThrough(f, obj)

	n, err := f.body.ReadFrom(obj.Body)
	if err == nil && n != obj.Length {
		err = fmt.Errorf("cache: origin sent %d of %d bytes for %s: %w", n, obj.Length, f.obj, origin.ErrBadResponse)
	}
	s.metrics.originBytes.Add(float64(n))
	f.body.Close(err)
	s.metrics.originFetch(err)
	wt.wait()
	if err != nil {
		s.log.Warn("origin fetch failed mid-body", "key", f.obj, "slice", f.idx, "err", err)
		return
	}
	if !f.purged.Load() {
		s.store(s.ramSlice(f.key, f.meta, f.off, f.body.Bytes()))
	}
}

// checkAnswer verifies that the origin answered the slice that was asked.
func (s *Server) checkAnswer(req origin.Request, obj *origin.Object) error {
	want := min(req.Length, obj.Size-req.Offset)
	if obj.Size < 0 || obj.Offset != req.Offset || obj.Length != want {
		return fmt.Errorf("cache: origin answered bytes %d+%d of %d for %s, asked %d+%d: %w",
			obj.Offset, obj.Length, obj.Size, req.Key, req.Offset, want, origin.ErrBadResponse)
	}
	return nil
}

// fail ends f with err, remembering a 404 for NegativeTTL.
func (s *Server) fail(f *fetch, err error) {
	f.err = err
	close(f.ready)
	s.metrics.originFetch(err)
	if errors.Is(err, origin.ErrNotFound) && s.cfg.NegativeTTL > 0 {
		s.ram.Set(&slice{key: f.obj, notFound: true}, s.cfg.NegativeTTL)
		s.ram.Wait()
		return
	}
	if !errors.Is(err, origin.ErrRangeNotSatisfiable) && !errors.Is(err, context.Canceled) {
		s.log.Warn("origin fetch failed", "key", f.obj, "slice", f.idx, "err", err)
	}
}

// ramSlice builds the RAM tier's value for a complete slice: bytes of a
// slice of at least MemfileMinBytes go to a sealed memfd, served with
// sendfile (if that fails, e.g. out of descriptors, they stay in data).
func (s *Server) ramSlice(key string, m *meta, off int64, data []byte) *slice {
	sl := &slice{key: key, meta: m, off: off, data: data}
	if s.cfg.RAMBytes == 0 || s.cfg.MemfileMinBytes <= 0 || int64(len(data)) < s.cfg.MemfileMinBytes {
		return sl
	}
	mf, err := memfile.New(key, data)
	if err != nil {
		s.log.Debug("keeping a slice on the heap", "key", key, "err", err)
		return sl
	}
	sl.mf, sl.data = mf, nil
	return sl
}

// store offers a complete slice to the RAM tier and waits until the tier
// has applied it, so that the fetch leaves the flight map only once later
// requests can find the slice (or the tier refused it). This runs on the
// fetch goroutine, never on a request path.
func (s *Server) store(sl *slice) {
	if s.ram.Set(sl, 0) {
		s.ram.Wait()
	}
}

func (s *Server) forget(f *fetch) {
	s.flights.mu.Lock()
	delete(s.flights.m, f.key)
	s.flights.mu.Unlock()
}
