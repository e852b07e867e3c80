package cache

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/freshness"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/origin"
)

// outcome is how a request was answered with respect to the cache, for
// the lookup metrics and the Cache-Status field (RFC 9211).
type outcome uint8

const (
	outNone        outcome = iota // answered before any lookup
	outHit                        // fresh from a tier
	outMiss                       // fetched from the origin
	outRevalidated                // stale, and the origin answered 304
	outModified                   // stale, and the origin sent a new version
	outStaleSWR                   // stale within stale-while-revalidate
	outStaleSIE                   // stale, origin failing, within its stale-if-error
	outStaleDown                  // stale, origin failing, within the operator's default
	outStaleClient                // stale, as the client's max-stale allows
	outPass                       // not from the cache and not stored
	outMethod                     // an unsafe method passed to the origin
	numOutcomes
)

// logOutcomes name the outcomes in the access log's cache field and the
// lookups metric.
var logOutcomes = [numOutcomes]string{"", "hit", "miss", "revalidated", "modified", "stale", "stale", "stale", "stale", "pass", "method"}

// staleReasons label vodedge_edge_stale_served_total.
var staleReasons = map[outcome]string{outStaleSWR: "swr", outStaleSIE: "sie", outStaleDown: "origin_down", outStaleClient: "max_stale"}

// cacheStatus is the RFC 9211 Cache-Status value of each outcome.
func cacheStatus(node string, o outcome) string {
	switch o {
	case outHit:
		return node + "; hit"
	case outMiss:
		return node + "; fwd=uri-miss"
	case outRevalidated:
		return node + "; fwd=stale; fwd-status=304"
	case outModified:
		return node + "; fwd=stale; fwd-status=200"
	case outStaleSWR:
		return node + "; hit; detail=stale-while-revalidate"
	case outStaleSIE, outStaleDown:
		return node + "; hit; detail=stale-if-error"
	case outStaleClient:
		return node + "; hit; detail=max-stale"
	case outPass:
		return node + "; fwd=bypass"
	case outMethod:
		return node + "; fwd=method"
	}
	return node
}

// maxLookups bounds the lookups of one request: a variant learned, a
// revalidation that refreshed the copy, a shared fetch that turned out
// private. Past it the request is passed to the origin.
const maxLookups = 4

// errOnlyIfCached answers only-if-cached requests the cache cannot.
var errOnlyIfCached = errors.New("cache: not cached (only-if-cached)")

// locate finds the slice the response starts from (the one holding the
// first requested byte, so that a range deep in a large object fetches
// nothing before it), judged fresh, revalidated or fetched.
func (s *Server) locate(rq *request) (source, *meta, int64, error) {
	idx := rangeHint(rq.rangeH) / s.cfg.SliceBytes
	src, m, off, err := s.find(rq, idx)
	if idx > 0 && errors.Is(err, origin.ErrRangeNotSatisfiable) {
		// The hint was past the end: learn the size from slice 0 so that
		// the Range header is judged (416, or 200 under If-Range) properly.
		src, m, off, err = s.find(rq, 0)
	}
	return src, m, off, err
}

func (s *Server) find(rq *request, idx int64) (source, *meta, int64, error) {
	for range maxLookups {
		src, m, off, err, again := s.findOnce(rq, idx)
		if !again {
			return src, m, off, err
		}
	}
	rq.pass = true
	src, m, off, err, _ := s.findOnce(rq, idx)
	return src, m, off, err
}

// findOnce makes one lookup; again asks for another with what it
// learned (rq.obj, rq.pass).
func (s *Server) findOnce(rq *request, idx int64) (src source, m *meta, off int64, err error, again bool) {
	if rq.pass {
		rq.out = outPass
		src = s.startPass(s.wantFor(rq, rq.obj, idx))
		m, off, err = src.wait()
		return src, m, off, err, false
	}
	sk := cachekey.SliceKey(rq.obj, idx)
	if src, ok := s.cached(sk); ok {
		m := src.cachedMeta()
		st := m.st.Load()
		if rq.plain && !st.superseded && rq.now < st.freshUntil {
			rq.out = outHit
			m, off, err := src.wait()
			return src, m, off, err, false
		}
		if !st.superseded {
			return s.judge(rq, src, m, st, idx, sk)
		}
	}
	return s.miss(rq, idx, sk)
}

// miss fetches a slice nothing cached can answer, or joins its fetch.
func (s *Server) miss(rq *request, idx int64, sk string) (src source, m *meta, off int64, err error, again bool) {
	switch {
	case rq.cachedOnly:
		if src, ok := s.inFlight(sk); ok {
			return s.joined(rq, src, false)
		}
		return source{tier: tierMiss}, nil, 0, errPeerMiss, false
	case rq.onlyIfCached:
		return source{tier: tierMiss}, nil, 0, errOnlyIfCached, false
	case rq.auth || rq.noStore:
		rq.pass = true
		return source{}, nil, 0, nil, true
	case rq.obj == rq.key && s.varyFromDisk(rq.key):
		if k := s.objectKey(rq); k != rq.obj {
			rq.obj = k
			return source{}, nil, 0, nil, true
		}
	}
	w := s.wantFor(rq, rq.obj, idx)
	var started bool
	for attempt := 0; ; attempt++ {
		var retry bool
		if src, started, retry = s.joinOrStart(w, sk, attempt == 0, nil); !retry {
			break
		}
		if c, ok := s.cached(sk); ok && s.usable(c.cachedMeta(), nil) {
			return s.judge(rq, c, c.cachedMeta(), c.cachedMeta().st.Load(), idx, sk)
		}
	}
	if src.f == nil { // a copy that arrived meanwhile, or a status answer cached as slice 0
		rq.out = outHit
		m, off, err = src.wait()
		return src, m, off, err, false
	}
	return s.joined(rq, src, started)
}

// joined waits for a fetch's answer and checks it may serve rq: a
// private answer serves only the request that started the fetch, and an
// answer that varies serves the requests of its variant.
func (s *Server) joined(rq *request, src source, started bool) (source, *meta, int64, error, bool) {
	m, off, err := src.wait()
	switch {
	case errors.Is(err, errNotModified):
		return src, nil, 0, nil, true // the copy it revalidated is fresh again
	case err != nil:
		rq.out = outMiss
		return src, m, off, err, false
	case src.f != nil && !src.f.shared && !started:
		rq.pass = true
		return src, nil, 0, nil, true
	}
	if k := s.keyFor(rq, m); k != m.key && src.f != nil && src.f.stored {
		rq.obj = k
		return src, nil, 0, nil, true
	}
	if rq.out == outNone {
		rq.out = outMiss
	}
	return src, m, off, nil, false
}

// keyFor returns the object key rq's answer belongs under given the
// answer's Vary.
func (s *Server) keyFor(rq *request, m *meta) string {
	st := m.st.Load()
	if len(st.vary) == 0 {
		return m.url
	}
	return variantKey(m.url, st.vary, requestFields(&rq.ctx.Request.Header))
}

// verdicts of judge on a cached copy.
type verdict uint8

const (
	useFresh verdict = iota
	useStaleSWR
	useStaleClient
	mustRevalidate
)

// judge decides what to do with a cached copy for rq: serve it, serve it
// stale while revalidating in the background, or revalidate first.
func (s *Server) judge(rq *request, src source, m *meta, st *stored, idx int64, sk string) (source, *meta, int64, error, bool) {
	if rq.auth && !st.authOK {
		rq.pass = true
		return src, nil, 0, nil, true
	}
	v := s.verdictOf(rq, st, src, sk)
	if rq.cachedOnly && v != useFresh {
		return source{tier: tierMiss}, nil, 0, errPeerMiss, false // a stale copy is no help to a peer
	}
	switch v {
	case useFresh, useStaleClient:
		rq.out = outHit
		if v == useStaleClient {
			rq.out = outStaleClient
			s.metrics.staleServed(outStaleClient)
		}
		_, off, err := src.wait()
		return src, m, off, err, false
	case useStaleSWR:
		rq.out = outStaleSWR
		s.metrics.staleServed(outStaleSWR)
		s.revalidateInBackground(rq, m, idx)
		_, off, err := src.wait()
		return src, m, off, err, false
	}
	if rq.onlyIfCached {
		return source{tier: tierMiss}, nil, 0, errOnlyIfCached, false
	}
	return s.revalidate(rq, src, m, st, idx)
}

// verdictOf applies RFC 9111 §4.2 and RFC 5861 to a cached copy, with the
// client's directives when the operator honours them.
func (s *Server) verdictOf(rq *request, st *stored, src source, sk string) verdict {
	now := rq.now
	fresh := now < st.freshUntil
	staleBy := time.Duration(now - st.freshUntil)
	if c := rq.rcc; c != nil && !(st.immutable && fresh) {
		if c.NoCache || (c.MaxAge != freshness.Absent && st.age(now) > c.MaxAge) {
			return mustRevalidate
		}
		if c.MinFresh != freshness.Absent && time.Duration(st.freshUntil-now) < c.MinFresh {
			fresh = false
		}
		if !fresh && !st.noStale && (c.MaxStaleAny || (c.MaxStale != freshness.Absent && staleBy <= c.MaxStale)) {
			return useStaleClient
		}
	}
	switch {
	case fresh, s.pinned(src, sk):
		return useFresh
	case staleBy >= 0 && staleBy < st.swr:
		return useStaleSWR
	}
	return mustRevalidate
}

// revalidate asks the origin whether the stale copy is still current
// (joining a fetch of the slice already in flight) and serves the copy on
// a 304, the new version on a 200, the stale copy on an origin failure
// within stale-if-error, and the failure otherwise.
func (s *Server) revalidate(rq *request, src source, m *meta, st *stored, idx int64) (source, *meta, int64, error, bool) {
	w := s.wantFor(rq, m.key, idx)
	w.cond = m
	fsrc, started, _ := s.joinOrStart(w, cachekey.SliceKey(m.key, idx), false, nil)
	fm, off, err := fsrc.wait()
	switch {
	case errors.Is(err, errNotModified) && fm == m:
		rq.out = outRevalidated
		_, off, err := src.wait()
		return src, m, off, err, false
	case errors.Is(err, errNotModified):
		return src, nil, 0, nil, true
	case err != nil:
		if o, ok := s.staleOnError(err, st, rq.now); ok {
			rq.out = o
			s.metrics.staleServed(o)
			_, off, err := src.wait()
			return src, m, off, err, false
		}
		rq.out = outModified
		return fsrc, fm, off, err, false
	}
	rq.out = outModified
	return s.joined(rq, fsrc, started)
}

// staleOnError reports whether an origin failure may be answered with a
// stale copy, and under which reason.
func (s *Server) staleOnError(err error, st *stored, now int64) (outcome, bool) {
	switch {
	case errors.Is(err, origin.ErrUnreachable), errors.Is(err, origin.ErrTimeout),
		errors.Is(err, origin.ErrBadResponse), errors.Is(err, context.DeadlineExceeded):
	default:
		return outNone, false
	}
	if time.Duration(now-st.freshUntil) >= st.sie {
		return outNone, false
	}
	if st.sieDefault {
		return outStaleDown, true
	}
	return outStaleSIE, true
}

// revalidateInBackground starts one revalidation of m's slice idx unless
// one is running for m already; the request that triggered it is served
// the stale copy meanwhile.
func (s *Server) revalidateInBackground(rq *request, m *meta, idx int64) {
	if !m.revalidating.CompareAndSwap(false, true) {
		return
	}
	w := s.wantFor(rq, m.key, idx)
	w.cond = m
	if _, started, _ := s.joinOrStart(w, cachekey.SliceKey(m.key, idx), false, nil); !started {
		m.revalidating.Store(false) // a fetch of the slice is already on its way
	}
}

// wantFor describes slice idx of obj as fetched for rq: the configured
// request fields and those the URL varies on are forwarded; a passed
// request forwards all its end-to-end fields.
func (s *Server) wantFor(rq *request, obj string, idx int64) want {
	w := want{obj: obj, url: urlOf(obj), idx: idx, pass: rq.pass}
	h := &rq.ctx.Request.Header
	if rq.pass && !rq.peer {
		w.hdr = passFields(h)
	} else {
		w.hdr = s.forwardFields(h, s.vary.lookup(w.url))
	}
	return w
}

// inFlight returns the fetch in flight for sk, without starting one.
func (s *Server) inFlight(sk string) (source, bool) {
	s.flights.mu.Lock()
	defer s.flights.mu.Unlock()
	if f := s.flights.m[sk]; f != nil && f.w.cond == nil {
		s.metrics.collapsed.Inc()
		return source{tier: tierMiss, f: f}, true
	}
	return source{}, false
}

// passFields returns a passed request's end-to-end fields.
func passFields(h *fasthttp.RequestHeader) http.Header {
	out := http.Header{}
	for k, v := range h.All() {
		out.Add(string(k), string(v))
	}
	return out
}
