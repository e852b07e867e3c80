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

// query is what a request asks of the cache. The handler fills it from
// the request; the lookup reads it and refines obj and pass as it learns
// (a variant's key, an answer that must not be shared), and keeps in out
// how the cache has answered so far.
type query struct {
	hdr   *fasthttp.RequestHeader // the request's fields: variants and forwarding
	key   string                  // the URL's cache key
	obj   string                  // the object's key: key, or its variant's when it varies
	first int64                   // the first byte asked for (a Range hint), or 0
	now   int64                   // unix ns, for freshness
	// cachedOnly answers from the RAM tier, the disk tier or a fetch in
	// flight, never starting an origin fetch (peer requests to a node
	// that does not own the object).
	cachedOnly bool
	peer       bool // from the peer listener: its Authorization is the cluster's

	plain        bool                  // no Authorization, no honoured directives: the fast path
	auth         bool                  // carries Authorization (RFC 9111 §3.5)
	rcc          *freshness.Directives // the client's Cache-Control, when honoured
	onlyIfCached bool
	noStore      bool
	pass         bool    // fetched privately: not shared, not stored
	out          outcome // how the cache answered
}

// result is what a lookup found for a query: the slice the response
// starts from (src, at object offset off, of version m), the tier that
// counts as having served it, how the cache answered; or the error that
// ends the request (src is then nil).
type result struct {
	src  source
	tier string
	m    *meta
	off  int64
	out  outcome
	err  error
}

// settle waits for what a claim on a slice gives a request.
func settle(c claim) result {
	m, off, err := c.src.wait()
	return result{src: c.src, tier: c.tier, m: m, off: off, err: err}
}

// failure is a result that ends the request with err.
func failure(err error) result { return result{tier: tierMiss, err: err} }

// maxLookups bounds the lookups of one request: a variant learned, a
// revalidation that refreshed the copy, a shared fetch that turned out
// private. Past it the request is passed to the origin.
const maxLookups = 4

// find is the lookup's entry point: it returns the slice the response
// starts from (the one holding the first requested byte, so that a
// range deep in a large object fetches nothing before it), judged fresh,
// revalidated or fetched.
func (t *tiers) find(q *query) result {
	idx := q.first / t.sliceBytes
	r := t.findSlice(q, idx)
	if idx > 0 && errors.Is(r.err, origin.ErrRangeNotSatisfiable) {
		// The hint was past the end: learn the size from slice 0 so that
		// the Range header is judged (416, or 200 under If-Range) properly.
		r = t.findSlice(q, 0)
	}
	r.out = q.out
	return r
}

func (t *tiers) findSlice(q *query, idx int64) result {
	for range maxLookups {
		if r, again := t.findOnce(q, idx); !again {
			return r
		}
	}
	q.pass = true
	r, _ := t.findOnce(q, idx)
	return r
}

// findOnce makes one lookup; again asks for another with what it
// learned (q.obj, q.pass).
func (t *tiers) findOnce(q *query, idx int64) (r result, again bool) {
	if q.pass {
		q.out = outPass
		return settle(t.fl.pass(t.want(q, q.obj, idx))), false
	}
	sk := cachekey.SliceKey(q.obj, idx)
	if r, ok := t.cached(sk); ok {
		st := r.m.st.Load()
		if q.plain && !st.superseded && q.now < st.freshUntil {
			q.out = outHit
			return r, false
		}
		if !st.superseded {
			return t.judge(q, r, st, idx, sk)
		}
	}
	return t.miss(q, idx, sk)
}

// miss fetches a slice nothing cached can answer, or joins its fetch.
func (t *tiers) miss(q *query, idx int64, sk string) (result, bool) {
	switch {
	case q.cachedOnly:
		if c, ok := t.fl.inFlight(sk); ok {
			return t.joined(q, c)
		}
		return failure(errPeerMiss), false
	case q.onlyIfCached:
		return failure(errOnlyIfCached), false
	case q.auth || q.noStore:
		q.pass = true
		return result{}, true
	case q.obj == q.key && t.varyFromDisk(q.key):
		if k := t.objectKey(q); k != q.obj {
			q.obj = k
			return result{}, true
		}
	}
	w := t.want(q, q.obj, idx)
	var c claim
	for attempt := 0; ; attempt++ {
		if c = t.fl.join(w, sk, attempt == 0, nil); c.src != nil {
			break
		}
		if r, ok := t.cached(sk); ok && r.m.usableFor(nil) {
			return t.judge(q, r, r.m.st.Load(), idx, sk)
		}
	}
	if _, ok := c.src.(*fetch); !ok { // a copy that arrived meanwhile, or a status answer cached as slice 0
		q.out = outHit
		return settle(c), false
	}
	return t.joined(q, c)
}

// joined waits for a fetch's answer and checks it may serve q: a private
// answer serves only the request that started the fetch, and an answer
// that varies serves the requests of its variant.
func (t *tiers) joined(q *query, c claim) (result, bool) {
	r := settle(c)
	f, _ := c.src.(*fetch)
	switch {
	case errors.Is(r.err, errNotModified):
		return result{}, true // the copy it revalidated is fresh again
	case r.err != nil:
		q.out = outMiss
		return r, false
	case f != nil && !f.shared && !c.started:
		q.pass = true
		return result{}, true
	}
	if k := keyFor(q, r.m); k != r.m.key && f != nil && f.stored {
		q.obj = k
		return result{}, true
	}
	if q.out == outNone {
		q.out = outMiss
	}
	return r, false
}

// keyFor returns the object key q's answer belongs under given the
// answer's Vary.
func keyFor(q *query, m *meta) string {
	st := m.st.Load()
	if len(st.vary) == 0 {
		return m.url
	}
	return variantKey(m.url, st.vary, requestFields(q.hdr))
}

// verdicts of judge on a cached copy.
type verdict uint8

const (
	useFresh verdict = iota
	useStaleSWR
	useStaleClient
	mustRevalidate
)

// judge decides what to do with a cached copy r for q: serve it, serve
// it stale while revalidating in the background, or revalidate first.
func (t *tiers) judge(q *query, r result, st *stored, idx int64, sk string) (result, bool) {
	if q.auth && !st.authOK {
		q.pass = true
		return result{}, true
	}
	v := t.verdictOf(q, st, r.src, sk)
	if q.cachedOnly && v != useFresh {
		return failure(errPeerMiss), false // a stale copy is no help to a peer
	}
	switch v {
	case useFresh:
		q.out = outHit
		return r, false
	case useStaleClient:
		q.out = outStaleClient
		t.metrics.staleServed(outStaleClient)
		return r, false
	case useStaleSWR:
		q.out = outStaleSWR
		t.metrics.staleServed(outStaleSWR)
		w := t.want(q, r.m.key, idx)
		w.cond = r.m
		t.fl.revalidateInBackground(w)
		return r, false
	}
	if q.onlyIfCached {
		return failure(errOnlyIfCached), false
	}
	return t.revalidate(q, r, st, idx)
}

// verdictOf applies RFC 9111 §4.2 and RFC 5861 to a cached copy, with the
// client's directives when the operator honours them.
func (t *tiers) verdictOf(q *query, st *stored, src source, sk string) verdict {
	now := q.now
	fresh := now < st.freshUntil
	staleBy := time.Duration(now - st.freshUntil)
	if c := q.rcc; c != nil && !(st.immutable && fresh) {
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
	case fresh, t.pinned(src, sk):
		return useFresh
	case staleBy >= 0 && staleBy < st.swr:
		return useStaleSWR
	}
	return mustRevalidate
}

// revalidate asks the origin whether the stale copy r is still current
// (joining a fetch of the slice already in flight) and serves the copy on
// a 304, the new version on a 200, the stale copy on an origin failure
// within stale-if-error, and the failure otherwise.
func (t *tiers) revalidate(q *query, r result, st *stored, idx int64) (result, bool) {
	w := t.want(q, r.m.key, idx)
	w.cond = r.m
	c := t.fl.join(w, cachekey.SliceKey(r.m.key, idx), false, nil)
	fr := settle(c)
	switch {
	case errors.Is(fr.err, errNotModified) && fr.m == r.m:
		q.out = outRevalidated
		return r, false
	case errors.Is(fr.err, errNotModified):
		return result{}, true
	case fr.err != nil:
		if o, ok := staleOnError(fr.err, st, q.now); ok {
			q.out = o
			t.metrics.staleServed(o)
			return r, false
		}
		q.out = outModified
		return fr, false
	}
	q.out = outModified
	return t.joined(q, c)
}

// staleOnError reports whether an origin failure may be answered with a
// stale copy, and under which reason.
func staleOnError(err error, st *stored, now int64) (outcome, bool) {
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

// passFields returns a passed request's end-to-end fields.
func passFields(h *fasthttp.RequestHeader) http.Header {
	out := http.Header{}
	for k, v := range h.All() {
		out.Add(string(k), string(v))
	}
	return out
}
