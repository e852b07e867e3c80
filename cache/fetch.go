package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/memfile"
	"github.com/vodedge/vodedge/cache/stream"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/origin"
)

// Origin is what the edge needs from an origin: the bytes of one slice of
// an object with the object's metadata. origin.File, origin.HTTP,
// origin.S3 and origin.Sample implement it.
type Origin interface {
	Fetch(ctx context.Context, req origin.Request) (*origin.Object, error)
}

// want describes a slice to fetch.
type want struct {
	obj  string      // the object's cache key (a variant's when known)
	url  string      // the origin key
	idx  int64       // slice index
	hdr  http.Header // request fields to forward
	cond *meta       // revalidate this version (a conditional request)
	pass bool        // a private fetch: not shared, never stored
}

// fetch is one origin fetch of one slice, shared by every request that
// wants the slice while it is in flight.
type fetch struct {
	key    string // the slice's key in the flight map
	w      want
	ready  chan struct{} // closed once meta and body, or err, are set
	purged atomic.Bool   // purged while in flight: do not store

	// Set before ready is closed, read-only after.
	meta        *meta
	off         int64
	length      int64
	body        *stream.Buffer
	err         error
	notModified bool     // w.cond answered 304: meta is w.cond, refreshed; no body
	shared      bool     // the answer may serve requests that joined the fetch
	stored      bool     // the answer goes into the tiers
	aliases     []string // further flight keys (the variant's) it answers for
}

// finished reports whether f has all its bytes in memory.
func (f *fetch) finished() bool {
	select {
	case <-f.ready:
		return f.err == nil && !f.notModified && f.body.Bytes() != nil
	default:
		return false
	}
}

// failed reports whether f has ended in an error (before or during its
// body) and is only waiting to leave the flight map: a request arriving
// now must start a fetch of its own instead of joining a cut response.
func (f *fetch) failed() bool {
	select {
	case <-f.ready:
		return f.err != nil || (f.body != nil && f.body.Failed())
	default:
		return false
	}
}

// flights is the set of fetches in progress, one per slice key.
type flights struct {
	mu sync.Mutex
	m  map[string]*fetch // protected by mu
}

// acquire returns a source for slice w.idx of w.obj, of version v (any
// current one when v is nil): the RAM tier's copy, the disk tier's, the
// fetch in flight, or a new fetch. It never waits for the origin. Bodies
// continuing a response use it, so that slices of the version whose
// headers were sent are used whatever their freshness.
func (s *Server) acquire(w want, v *meta) source {
	if w.pass {
		return s.startPass(w)
	}
	sk := cachekey.SliceKey(w.obj, w.idx)
	for attempt := 0; ; attempt++ {
		if src, ok := s.cached(sk); ok && s.usable(src.cachedMeta(), v) {
			return src
		}
		if src, _, retry := s.joinOrStart(w, sk, attempt == 0, v); !retry {
			return src
		}
	}
}

// usable reports whether a cached slice of version m may serve a request
// for version v (nil: the current one).
func (s *Server) usable(m, v *meta) bool {
	if v != nil {
		return m.sameObject(v)
	}
	return !m.st.Load().superseded
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
	d := &diskSlice{store: s.disk, rec: rec, meta: s.recordMeta(rec), verify: s.disk.NeedsVerify(sk)}
	return source{tier: tierDisk, d: d}, true
}

// joinOrStart joins the fetch in flight for sk or starts one; started
// says which. A fetch leaves the flight map only after its slice is in
// the RAM tier (or was refused) and committed to disk, so looking at
// both again under the flight lock closes the gap since cached looked.
// The disk check under the lock is in memory only; when it says the
// slice is there, retry asks the caller to look it up again without the
// lock.
func (s *Server) joinOrStart(w want, sk string, mayRetry bool, v *meta) (src source, started, retry bool) {
	s.flights.mu.Lock()
	defer s.flights.mu.Unlock()
	if f := s.flights.m[sk]; f != nil && !f.failed() {
		if f.finished() {
			return source{tier: tierRAM, f: f}, false, false // complete, on its way into the tiers
		}
		s.metrics.collapsed.Inc()
		return source{tier: tierMiss, f: f}, false, false
	}
	if w.cond == nil {
		if sl, ok := s.ram.Get(sk); ok && s.usable(sl.meta, v) {
			return source{tier: tierRAM, sl: sl}, false, false
		}
		if mayRetry && s.disk != nil && s.disk.Has(sk) {
			return source{}, false, true
		}
		if sl, ok := s.statusAnswer(w); ok {
			return source{tier: tierRAM, sl: sl}, false, false
		}
	}
	f := &fetch{key: sk, w: w, ready: make(chan struct{})}
	s.flights.m[sk] = f
	s.fetches.Add(1)
	go s.run(f)
	return source{tier: tierMiss, f: f}, true, false
}

// statusAnswer returns the fresh status answer (a 404, a 301) cached
// for the object when a slice past the first is wanted: status answers
// are stored as slice 0 whatever slice asked.
func (s *Server) statusAnswer(w want) (*slice, bool) {
	if w.idx == 0 {
		return nil, false
	}
	sl, ok := s.ram.Get(w.obj)
	if !ok || sl.meta.status == http.StatusOK {
		return nil, false
	}
	st := sl.meta.st.Load()
	return sl, !st.superseded && s.now().UnixNano() < st.freshUntil
}

// startPass starts a private fetch for one request: it is not in the
// flight map and nothing it fetches is stored.
func (s *Server) startPass(w want) source {
	w.pass = true
	f := &fetch{key: cachekey.SliceKey(w.obj, w.idx), w: w, ready: make(chan struct{})}
	s.fetches.Add(1)
	go s.run(f)
	return source{tier: tierMiss, f: f}
}

// run performs f against the origin. It owns f until ready is closed and
// the body buffer until the buffer is closed.
func (s *Server) run(f *fetch) {
	defer s.fetches.Done()
	defer s.forget(f)
	s.metrics.inflight.Inc()
	defer s.metrics.inflight.Dec()

	req := origin.Request{Key: f.w.url, Offset: f.w.idx * s.cfg.SliceBytes, Length: s.cfg.SliceBytes, Header: f.w.hdr, AnyStatus: true}
	if c := f.w.cond; c != nil {
		req.IfNoneMatch = string(c.etag)
		if c.etag == nil {
			req.IfModifiedSince = c.lastModified
		}
	}
	reqTime := s.now()
	obj, err := s.origin.Fetch(s.ctx, req)
	respTime := s.now()
	switch {
	case err != nil:
		s.failed(f, err, reqTime, respTime)
		return
	case obj.NotModified():
		obj.Body.Close()
		s.notModified(f, obj, reqTime, respTime)
		return
	}
	if obj.Status != 0 && obj.Status != http.StatusOK {
		obj.Offset, obj.Length = 0, obj.Size // the whole answer, whatever slice asked
	} else if err = s.checkAnswer(req, obj); err != nil {
		obj.Body.Close()
		s.failed(f, err, reqTime, respTime)
		return
	}
	defer obj.Body.Close()
	s.answer(f, obj, reqTime, respTime)
}

// answer streams an origin answer into f: to the waiting requests, the
// RAM tier and the disk.
func (s *Server) answer(f *fetch, obj *origin.Object, reqTime, respTime time.Time) {
	f.meta, f.off, f.length = s.versionOf(f, obj, reqTime, respTime), obj.Offset, obj.Length
	f.body = stream.New(int(obj.Length), int(obj.Length))
	switch {
	case f.w.cond == nil:
	case f.meta == f.w.cond: // the same version in full: the origin ignored the condition
		s.metrics.revalidated(revalidateRefetched)
	default:
		s.metrics.revalidated(revalidateModified)
	}
	close(f.ready)
	var wt *writeThrough
	if f.stored && f.meta.status == http.StatusOK {
		wt = s.startWriteThrough(f, obj)
	}
	n, err := f.body.ReadFrom(obj.Body)
	if err == nil && n != obj.Length {
		err = fmt.Errorf("cache: origin sent %d of %d bytes for %s: %w", n, obj.Length, f.w.url, origin.ErrBadResponse)
	}
	s.metrics.originBytes.Add(float64(n))
	f.body.Close(err)
	s.metrics.originFetch(err)
	wt.wait()
	if err != nil {
		s.log.Warn("origin fetch failed mid-body", "key", f.w.url, "slice", f.w.idx, "err", err)
		return
	}
	if f.stored && !f.purged.Load() {
		s.storeRAM(f)
	}
}

// storeRAM offers a complete fetched slice to the RAM tier. A status
// answer expires from RAM with its stale windows; a slice stays until
// evicted (a stale one is revalidated, not dropped).
func (s *Server) storeRAM(f *fetch) {
	key := cachekey.SliceKey(f.meta.key, f.w.idx)
	var ttl time.Duration
	if f.meta.status != http.StatusOK {
		st := f.meta.st.Load()
		key = f.meta.key
		ttl = max(time.Unix(0, st.freshUntil).Sub(s.now())+max(st.swr, st.sie), time.Second)
	}
	s.store(s.ramSlice(key, f.meta, f.off, f.body.Bytes()), ttl)
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

// failed ends f with err. A 404 or 410 becomes a status answer, kept
// for its freshness (the origin's headers, else NegativeTTL).
func (s *Server) failed(f *fetch, err error, reqTime, respTime time.Time) {
	if errors.Is(err, origin.ErrNotFound) {
		s.metrics.originFetch(err)
		s.notFound(f, err, reqTime, respTime)
		return
	}
	f.err = err
	close(f.ready)
	s.metrics.originFetch(err)
	if f.w.cond != nil {
		s.metrics.revalidated(revalidateFailed)
	}
	if !errors.Is(err, origin.ErrRangeNotSatisfiable) && !errors.Is(err, context.Canceled) {
		s.log.Warn("origin fetch failed", "key", f.w.url, "slice", f.w.idx, "err", err)
	}
}

// notFound turns a 404 or 410 into a status answer with the edge's own
// one-line body (the same whatever the origin kind).
func (s *Server) notFound(f *fetch, err error, reqTime, respTime time.Time) {
	status, hdr := http.StatusNotFound, http.Header(nil)
	var se *origin.StatusError
	if errors.As(err, &se) {
		status, hdr = se.Status, se.Header
	}
	body := fmt.Appendf(nil, "%d not found\n", status)
	obj := &origin.Object{
		Meta:   origin.Meta{Status: status, Size: int64(len(body)), ContentType: "text/plain; charset=utf-8"},
		Length: int64(len(body)),
		Header: hdr,
	}
	f.meta, f.off, f.length = s.versionOf(f, obj, reqTime, respTime), 0, obj.Length
	f.body = stream.New(len(body), len(body))
	f.body.ReadFrom(bytes.NewReader(body))
	f.body.Close(nil)
	close(f.ready)
	if f.stored && !f.purged.Load() {
		s.storeRAM(f)
	}
}

// notModified refreshes the revalidated version from a 304: its stored
// fields are updated, its freshness recomputed, the disk records
// rewritten; no byte is fetched again.
func (s *Server) notModified(f *fetch, obj *origin.Object, reqTime, respTime time.Time) {
	m := f.w.cond
	if m == nil { // the origin clients answer 304 only to a conditional request
		s.failed(f, fmt.Errorf("cache: unasked 304 for %s: %w", f.w.url, origin.ErrBadResponse), reqTime, respTime)
		return
	}
	old := m.st.Load()
	st := &stored{status: old.status, reqTime: reqTime, respTime: respTime, hdr: old.merged(obj.Header)}
	s.derive(st, m.url, m.lastModified)
	m.st.Store(st)
	f.meta, f.notModified, f.shared = m, true, true
	close(f.ready)
	s.metrics.originFetch(nil)
	s.metrics.revalidated(revalidateNotModified)
	if s.disk != nil && m.status == http.StatusOK {
		blob := encodeStored(st, m.fwd)
		if _, err := s.disk.UpdateMeta(m.key, func(r *disktier.Record) bool {
			if !m.holds(r) {
				return false
			}
			r.Meta = blob
			return true
		}); err != nil {
			s.log.Warn("saving revalidated state failed", "key", m.key, "err", err)
		}
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
func (s *Server) store(sl *slice, ttl time.Duration) {
	if s.ram.Set(sl, ttl) {
		s.ram.Wait()
	}
}

func (s *Server) forget(f *fetch) {
	if f.w.cond != nil && f.w.cond.revalidating.Load() {
		f.w.cond.revalidating.Store(false)
	}
	if f.w.pass {
		return
	}
	s.flights.mu.Lock()
	if s.flights.m[f.key] == f {
		delete(s.flights.m, f.key)
	}
	for _, k := range f.aliases {
		if s.flights.m[k] == f {
			delete(s.flights.m, k)
		}
	}
	s.flights.mu.Unlock()
}
