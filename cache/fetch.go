package cache

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
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
	head bool        // a client's HEAD passed on as HEAD (with pass)
	auth bool        // a request with Authorization (with pass): stored if the answer allows
}

// fetch is one origin fetch of one slice, shared by every request that
// wants the slice while it is in flight.
type fetch struct {
	key    string // the slice's key in the flight map
	w      want
	ready  chan struct{} // closed once meta and body, or err, are set
	purged atomic.Bool   // purged while in flight: do not store

	// Early hints: the Link fields of the origin's 103 interim
	// responses, for the requests waiting; never stored.
	hinted chan struct{} // closed at the first 103 with a Link (nil: never)
	hintMu sync.Mutex
	links  []string // protected by hintMu

	// Set before ready is closed, read-only after.
	meta        *meta
	off         int64
	n           int64 // the slice's length
	body        *stream.Buffer
	err         error
	notModified bool     // w.cond answered 304: meta is w.cond, refreshed; no body
	shared      bool     // the answer may serve requests that joined the fetch
	stored      bool     // the answer goes into the tiers
	aliases     []string // further flight keys (the variant's) it answers for
	// cookies are the origin's Set-Cookie fields of an answer that is
	// stored or shared: for the request that started the fetch only.
	cookies []string
}

// addHints records the Link fields of a 103 from the origin.
func (f *fetch) addHints(h http.Header) {
	links := h.Values("Link")
	if len(links) == 0 {
		return
	}
	f.hintMu.Lock()
	first := f.links == nil
	f.links = append(f.links, links...)
	f.hintMu.Unlock()
	if first {
		close(f.hinted)
	}
}

// waitHints waits for the fetch's answer or its first early hints, and
// hands those to send when they come first.
func (f *fetch) waitHints(send func(links []string)) {
	if f.hinted == nil {
		return
	}
	select {
	case <-f.ready:
	case <-f.hinted:
		f.hintMu.Lock()
		links := append([]string(nil), f.links...)
		f.hintMu.Unlock()
		send(links)
	}
}

func (f *fetch) wait() (*meta, int64, error) {
	<-f.ready
	switch {
	case f.err != nil:
		return nil, 0, f.err
	case f.notModified:
		return f.meta, 0, errNotModified
	}
	return f.meta, f.off, nil
}

func (f *fetch) complete() ([]byte, bool) {
	if b := f.body.Bytes(); b != nil {
		return b, true
	}
	return nil, false
}

func (f *fetch) length() int64 { return f.n }

func (f *fetch) next(pos int64) ([]byte, error) { return f.body.Next(int(pos - f.off)) }

func (f *fetch) sendfile() bool { return false }

func (f *fetch) openAt(int64) (*os.File, error) { return nil, errNoFile }

func (f *fetch) close() {}

// errNoFile is openAt's answer for a source without a file; sendfile
// says so first.
var errNoFile = errors.New("cache: the slice has no file")

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

// run performs f against the origin. It owns f until ready is closed and
// the body buffer until the buffer is closed.
func (fl *flights) run(f *fetch) {
	defer fl.end()
	defer fl.forget(f)
	fl.metrics.inflight.Inc()
	defer fl.metrics.inflight.Dec()

	path, query, _ := strings.Cut(f.w.url, "?") // a query a policy put into the key
	req := origin.Request{Key: path, RawQuery: query, Offset: f.w.idx * fl.sliceBytes, Length: fl.sliceBytes, Header: f.w.hdr, AnyStatus: true, Head: f.w.head}
	if f.hinted != nil {
		req.Hints = f.addHints
	}
	if c := f.w.cond; c != nil {
		req.IfNoneMatch = string(c.etag)
		if c.etag == nil {
			req.IfModifiedSince = c.lastModified
		}
	}
	reqTime := fl.now()
	obj, err := fl.origin.Fetch(fl.ctx, req)
	respTime := fl.now()
	switch {
	case err != nil:
		fl.failed(f, err, reqTime, respTime)
		return
	case obj.NotModified():
		obj.Body.Close()
		fl.notModified(f, obj, reqTime, respTime)
		return
	}
	switch {
	case f.w.head:
		// The fields only (an origin kind that ignores Head sent bytes:
		// they are not read).
		obj.Body.Close()
		obj.Offset, obj.Length, obj.Body = 0, 0, http.NoBody
	case obj.Status != 0 && obj.Status != http.StatusOK:
		obj.Offset, obj.Length = 0, obj.Size // the whole answer, whatever slice asked
	default:
		err = fl.checkAnswer(req, obj)
	}
	if err != nil {
		obj.Body.Close()
		fl.failed(f, err, reqTime, respTime)
		return
	}
	defer obj.Body.Close()
	fl.answer(f, obj, reqTime, respTime)
}

// answer streams an origin answer into f: to the waiting requests, the
// RAM tier and the disk.
func (fl *flights) answer(f *fetch, obj *origin.Object, reqTime, respTime time.Time) {
	f.meta, f.off, f.n = fl.versionOf(f, obj, reqTime, respTime), obj.Offset, obj.Length
	f.body = stream.New(int(obj.Length), int(obj.Length))
	switch {
	case f.w.cond == nil:
	case f.meta.status >= 500:
		fl.metrics.revalidated(revalidateFailed)
	case f.meta == f.w.cond: // the same version in full: the origin ignored the condition
		fl.metrics.revalidated(revalidateRefetched)
	default:
		fl.metrics.revalidated(revalidateModified)
	}
	close(f.ready)
	var wt *writeThrough
	if f.stored && f.meta.status == http.StatusOK {
		wt = fl.startWriteThrough(f, obj)
	}
	n, err := f.body.ReadFrom(obj.Body)
	if err == nil && n != obj.Length {
		err = fmt.Errorf("cache: origin sent %d of %d bytes for %s: %w", n, obj.Length, f.w.url, origin.ErrBadResponse)
	}
	fl.metrics.originBytes.Add(float64(n))
	f.body.Close(err)
	if err == nil {
		fl.metrics.originFetch(statusClass(f.meta.status))
	} else {
		fl.metrics.originFetch(err)
	}
	wt.wait()
	if err != nil {
		fl.log.Warn("origin fetch failed mid-body", "key", f.w.url, "slice", f.w.idx, "err", err)
		return
	}
	if f.stored && !f.purged.Load() {
		fl.storeRAM(f)
	}
}

// storeRAM offers a complete fetched slice to the RAM tier. A status
// answer expires from RAM with its stale windows; a slice stays until
// evicted (a stale one is revalidated, not dropped).
func (fl *flights) storeRAM(f *fetch) {
	key := cachekey.SliceKey(f.meta.key, f.w.idx)
	var ttl time.Duration
	if f.meta.status != http.StatusOK {
		st := f.meta.st.Load()
		key = f.meta.key
		ttl = max(time.Unix(0, st.freshUntil).Sub(fl.now())+max(st.swr, st.sie), time.Second)
	}
	fl.store(newSlice(key, f.meta, f.off, f.body.Bytes(), fl.memfds, fl.log), ttl)
}

// statusClass is the origin error an answer's status stands for, for
// the fetch metrics: nil for a success or a redirect.
func statusClass(status int) error {
	switch {
	case status == http.StatusNotFound || status == http.StatusGone:
		return origin.ErrNotFound
	case status >= 500:
		return origin.ErrUnreachable
	}
	return nil
}

// checkAnswer verifies that the origin answered the slice that was asked.
func (fl *flights) checkAnswer(req origin.Request, obj *origin.Object) error {
	want := min(req.Length, obj.Size-req.Offset)
	if obj.Size < 0 || obj.Offset != req.Offset || obj.Length != want {
		return fmt.Errorf("cache: origin answered bytes %d+%d of %d for %s, asked %d+%d: %w",
			obj.Offset, obj.Length, obj.Size, req.Key, req.Offset, want, origin.ErrBadResponse)
	}
	return nil
}

// failed ends f with err. A 404 or 410 becomes a status answer, kept
// for its freshness (the origin's headers, else NegativeTTL).
func (fl *flights) failed(f *fetch, err error, reqTime, respTime time.Time) {
	if errors.Is(err, origin.ErrNotFound) {
		fl.metrics.originFetch(err)
		fl.notFound(f, err, reqTime, respTime)
		return
	}
	f.err = err
	close(f.ready)
	fl.metrics.originFetch(err)
	if f.w.cond != nil {
		fl.metrics.revalidated(revalidateFailed)
	}
	if !errors.Is(err, origin.ErrRangeNotSatisfiable) && !errors.Is(err, context.Canceled) {
		fl.log.Warn("origin fetch failed", "key", f.w.url, "slice", f.w.idx, "err", err)
	}
}

// notFound turns a 404 or 410 into a status answer with the edge's own
// one-line body (the same whatever the origin kind).
func (fl *flights) notFound(f *fetch, err error, reqTime, respTime time.Time) {
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
	f.meta, f.off, f.n = fl.versionOf(f, obj, reqTime, respTime), 0, obj.Length
	f.body = stream.New(len(body), len(body))
	f.body.ReadFrom(bytes.NewReader(body))
	f.body.Close(nil)
	close(f.ready)
	if f.stored && !f.purged.Load() {
		fl.storeRAM(f)
	}
}

// notModified refreshes the revalidated version from a 304: its stored
// fields are updated, its freshness recomputed, the disk records
// rewritten; no byte is fetched again.
func (fl *flights) notModified(f *fetch, obj *origin.Object, reqTime, respTime time.Time) {
	m := f.w.cond
	if m == nil { // the origin clients answer 304 only to a conditional request
		fl.failed(f, fmt.Errorf("cache: unasked 304 for %s: %w", f.w.url, origin.ErrBadResponse), reqTime, respTime)
		return
	}
	old := m.st.Load()
	st := &stored{status: old.status, reqTime: reqTime, respTime: respTime, hdr: old.merged(fl.rules.keepHeader(obj.Header))}
	fl.rules.derive(st, m.url, m.lastModified)
	st = fl.versions.refresh(m, st)
	f.meta, f.notModified, f.shared = m, true, true
	close(f.ready)
	fl.metrics.originFetch(nil)
	fl.metrics.revalidated(revalidateNotModified)
	if fl.disk != nil && m.status == http.StatusOK {
		blob := encodeStored(st, m.fwd)
		if _, err := fl.disk.UpdateMeta(m.key, func(r *disktier.Record) bool {
			if !m.holds(r) {
				return false
			}
			r.Meta = blob
			return true
		}); err != nil {
			fl.log.Warn("saving revalidated state failed", "key", m.key, "err", err)
		}
	}
}

// store offers a complete slice to the RAM tier and waits until the tier
// has applied it, so that the fetch leaves the flight map only once later
// requests can find the slice (or the tier refused it). This runs on the
// fetch goroutine, never on a request path.
func (fl *flights) store(sl *slice, ttl time.Duration) {
	if fl.ram.Set(sl, ttl) {
		fl.ram.Wait()
	}
}
