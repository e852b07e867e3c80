package cache

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/vodedge/vodedge/cache/freshness"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/origin"
)

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
	if q.noStore {
		// Nothing of the answer to a no-store request may be stored
		// (§5.2.1.5), not even a revalidation's new version.
		q.pass, q.fwd = true, fwdRequest
		return result{}, true
	}
	q.fwd = fwdStale
	if q.now < st.freshUntil {
		q.fwd = fwdRequest // fresh: the client's directives forced it
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
		q.fwdStatus, q.stored, q.collapsed = http.StatusNotModified, true, !c.started
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
	case fr.m.status >= 500:
		// The origin's own error answer: a failure for stale-if-error,
		// passed on as it came when no stale copy may be used.
		if o, ok := staleOnError(origin.ErrUnreachable, st, q.now); ok {
			q.out = o
			t.metrics.staleServed(o)
			return r, false
		}
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

// pinned reports whether the slice is held by a fill manifest: fresh
// while pinned.
func (t *tiers) pinned(src source, sk string) bool {
	if d, ok := src.(*diskSlice); ok {
		return d.rec.Pinned
	}
	return t.disk != nil && t.disk.Pinned(sk)
}
