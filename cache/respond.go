package cache

import (
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/accesslog"
	"github.com/vodedge/vodedge/cache/httprange"
)

// respond answers with the object found: r's slice is the one at object
// offset r.off, already available.
func (h *handler) respond(rq *request, r *result) {
	ctx := rq.ctx
	h.setObjectHeaders(rq, r.m, r.tier)
	if r.m.status != http.StatusOK {
		h.sendStatus(rq, r)
		return
	}
	if st := preconditions(&ctx.Request.Header, r.m); st != 0 {
		ctx.SetStatusCode(st)
		h.finish(rq, st, r.tier, 0, 0)
		return
	}
	size := r.m.size
	if len(rq.rangeH) == 0 || !ifRangeHolds(&ctx.Request.Header, r.m) {
		h.sendSpan(rq, r, 0, size, http.StatusOK)
		return
	}
	rs, err := httprange.Parse(rq.ranges[:0], rq.rangeH, size)
	switch {
	case errors.Is(err, httprange.ErrUnsatisfiable):
		ctx.Response.Header.SetBytesV(fasthttp.HeaderContentRange, httprange.AppendUnsatisfied(nil, size))
		h.answerError(rq, err, r.tier)
	case err != nil: // invalid Range: RFC 9110 says ignore it
		h.sendSpan(rq, r, 0, size, http.StatusOK)
	default:
		rs = httprange.Coalesce(rs, coalesceGap)
		if len(rs) == 1 {
			ctx.Response.Header.SetBytesV(fasthttp.HeaderContentRange, httprange.AppendContentRange(nil, rs[0], size))
			h.sendSpan(rq, r, rs[0].Start, rs[0].End+1, http.StatusPartialContent)
			return
		}
		h.sendMultipart(rq, r, rs)
	}
}

// sendStatus answers with a cached status answer (a 404, a 301): its
// status and whole body; Range and preconditions do not apply to it (RFC
// 9110 §13.2.1, §14.2).
func (h *handler) sendStatus(rq *request, r *result) {
	if r.m.status >= 400 {
		rq.ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	}
	h.sendSpan(rq, r, 0, r.m.size, r.m.status)
}

// coalesceGap merges requested ranges closer than a multipart part header
// (RFC 9110 §14.6 allows it); sending the gap is cheaper than a new part.
const coalesceGap = 80

// sendSpan answers with the object's bytes [from, to). When they are all
// in one slice in memory the slice itself becomes the body, written from
// where it is in one writev with the header (memBody on the edge's own
// TCP connections, which hold the header for it; SetBodyRaw elsewhere);
// a part of a disk slice is sent with sendfile on plain TCP (read into
// the response's buffer when small on other connections); otherwise a
// body streams them as they arrive.
func (h *handler) sendSpan(rq *request, r *result, from, to int64, status int) {
	ctx, src, off := rq.ctx, r.src, r.off
	if rq.cachedOnly && (from < off || to > off+src.length()) {
		ctx.Response.Reset()
		h.answerError(rq, errPeerMiss, tierMiss)
		return
	}
	ctx.SetStatusCode(status)
	n := to - from
	if ctx.IsHead() {
		ctx.Response.Header.SetContentLength(int(n))
		h.finish(rq, status, r.tier, 0, time.Since(rq.start))
		return
	}
	if data, ok := src.complete(); ok && from >= off && to <= off+int64(len(data)) {
		h.setWriteDeadline(ctx, n)
		if c, ok := ctx.Conn().(*clientConn); ok {
			ctx.Response.ResetBody() // a body set before may be the connection's own: closed first
			ctx.Response.ImmediateHeaderFlush = true
			ctx.Response.SetBodyStream(c.memoryBody(data[from-off:to-off]), int(n))
		} else {
			ctx.Response.SetBodyRaw(data[from-off : to-off])
			rq.stable = true
		}
		h.finish(rq, status, r.tier, n, time.Since(rq.start))
		return
	}
	if rq.inLoop {
		inSlice := from >= off && to <= off+src.length()
		if d, ok := src.(*diskSlice); ok && inSlice && h.sendInLoop(rq, d, from, n) {
			h.finish(rq, status, r.tier, n, time.Since(rq.start))
			return
		}
		if sl := memfdSlice(src); sl != nil && inSlice && h.sendMemfdInLoop(rq, sl, from-off, n) {
			h.finish(rq, status, r.tier, n, time.Since(rq.start))
			return
		}
		rq.handoff = true
		return
	}
	h.sendSlow(rq, r, from, to, status)
}

// sendSlow is sendSpan for bytes not all in memory: from a file, or
// streamed.
func (h *handler) sendSlow(rq *request, r *result, from, to int64, status int) {
	ctx, src, off, n := rq.ctx, r.src, r.off, to-from
	d, _ := src.(*diskSlice)
	inSlice := from >= off && to <= off+src.length() // a Range ignored (If-Range) may start in an earlier slice
	switch {
	case d != nil && !d.verify && inSlice && isTCP(ctx):
		if h.sendHeld(rq, d, from, n) {
			h.finish(rq, status, r.tier, n, time.Since(rq.start))
			return
		}
	case d != nil && !d.verify && n <= smallDiskRead && inSlice:
		if h.sendDiskBytes(rq, d, from, n) {
			h.finish(rq, status, r.tier, n, time.Since(rq.start))
			return
		}
	case memfdSlice(src) != nil && inSlice && isTCP(ctx):
		if h.sendMemfd(rq, memfdSlice(src), from, n) {
			h.finish(rq, status, r.tier, n, time.Since(rq.start))
			return
		}
	case src.sendfile() && inSlice:
		f, err := src.openAt(from)
		if err == nil {
			// fasthttp sends an *os.File body with sendfile(2) and closes it.
			h.setWriteDeadline(ctx, n)
			ctx.Response.SetBodyStream(f, int(n))
			h.finish(rq, status, r.tier, n, time.Since(rq.start))
			return
		}
	case d != nil && d.verify && d.prepare() != nil:
	default:
		h.setWriteDeadline(ctx, n)
		pieces := []piece{{from: from, to: to}}
		h.markPartial(rq, r.m, off, pieces)
		b := h.newBody(rq, r.m, status, r.tier, pieces)
		b.cur, b.curIdx = src, off/h.sliceBytes
		h.setBodyStream(ctx, b, n)
		return
	}
	h.retryAfterOpenFailure(rq, from)
}

// smallDiskRead is the largest disk hit read into the response's own
// body buffer (pread, then header and body in one write) on a
// connection that cannot take sendfile (TLS, a RequestCtx made with
// Init), and in an event loop where cachestat is missing (loopdisk.go);
// larger ones there are streamed from an opened file. On plain
// TCP every disk hit is sent with sendfile from the held descriptor:
// pinned on the 2-core loopback machine it served 13 % more 16 KiB disk
// hits than pread + writev on the same CPU (0.144 against 0.164
// CPU-seconds per 10k requests; see cache/doc.go, "Disk hits").
const smallDiskRead = 32 << 10

// sendDiskBytes makes bytes [from, from+n) of a disk slice the body,
// read into fasthttp's pooled body buffer (SwapBody: the buffer stays
// with the response and returns to fasthttp's pool after it). It reports
// false when the file could not be read whole; the store has evicted it
// by then and nothing was sent.
func (h *handler) sendDiskBytes(rq *request, d *diskSlice, from, n int64) bool {
	ctx := rq.ctx
	buf := ctx.Response.SwapBody(nil)
	if int64(cap(buf)) < n {
		buf = make([]byte, n)
	}
	buf = buf[:n]
	if err := d.readAt(buf, from); err != nil {
		ctx.Response.SwapBody(buf[:0])
		return false
	}
	h.setWriteDeadline(ctx, n)
	ctx.Response.SwapBody(buf)
	return true
}

// sendHeld makes bytes [from, from+n) of a disk slice the body, sent
// with sendfile(2) from the descriptor the disk tier holds open, after
// the header the connection holds for it (heldBody). It reports false when the file
// could not be held (the store has evicted it by then; nothing was
// sent).
func (h *handler) sendHeld(rq *request, d *diskSlice, from, n int64) bool {
	c, ok := rq.ctx.Conn().(*clientConn)
	if !ok {
		return false
	}
	held, err := d.store.Hold(d.rec)
	if err != nil {
		return false
	}
	h.prepareHeld(rq, n)
	off := from - d.rec.Offset
	raw := false
	if n > sendfileChunk {
		raw = pageCached(held.Fd(), off, n)
		h.metrics.diskSend(raw)
	}
	rq.ctx.Response.SetBodyStream(c.diskBody(held, off, n, raw), int(n))
	return true
}

// memfdSlice returns src if it is a RAM-tier slice kept in a memfd.
func memfdSlice(src source) *slice {
	if sl, ok := src.(*slice); ok && sl.mf != nil {
		return sl
	}
	return nil
}

// sendMemfd makes bytes [from, from+n) of a memfd slice the body, sent
// with sendfile(2) from the memfd's own descriptor after the header the
// connection holds for it, as sendHeld sends a disk slice's: no open,
// seek or close per hit. It reports false when the RAM tier has
// released the memfd (nothing was sent).
func (h *handler) sendMemfd(rq *request, sl *slice, from, n int64) bool {
	c, ok := rq.ctx.Conn().(*clientConn)
	if !ok {
		return false
	}
	fd, ok := sl.mf.Hold()
	if !ok {
		return false
	}
	h.prepareHeld(rq, n)
	rq.ctx.Response.SetBodyStream(c.memfdBody(sl.mf, fd, from-sl.off, n), int(n))
	return true
}

// prepareHeld readies the response for a body of n bytes that the
// connection sends after holding the header (heldBody).
func (h *handler) prepareHeld(rq *request, n int64) {
	h.setWriteDeadline(rq.ctx, n)
	rq.ctx.Response.ResetBody() // a body set before may be the connection's own: closed first
	rq.ctx.Response.ImmediateHeaderFlush = true
}

// retryAfterOpenFailure answers a request whose slice file could not be
// opened (a disk file the store has evicted by then, or a memfd released
// by the RAM tier a moment ago): the response is rebuilt from scratch
// from the other tiers or the origin.
func (h *handler) retryAfterOpenFailure(rq *request, from int64) {
	rq.ctx.Response.Reset()
	rq.retries++
	r := settle(h.tiers.acquire(h.tiers.want(&rq.query, rq.obj, from/h.sliceBytes), nil))
	if r.err == nil && rq.retries > 2 {
		r.err = errDiskFailed
	}
	if r.err != nil {
		h.answerError(rq, r.err, r.tier)
		return
	}
	h.respond(rq, &r)
}

// sendMultipart answers a request for several ranges with a
// multipart/byteranges body streamed with a known length.
func (h *handler) sendMultipart(rq *request, r *result, rs []httprange.Range) {
	ctx := rq.ctx
	if rq.cachedOnly {
		h.answerError(rq, errPeerMiss, tierMiss)
		return
	}
	if rq.inLoop {
		rq.handoff = true
		return
	}
	mp, err := httprange.NewMultipart(rs, r.m.size, string(r.m.typeIn(r.m.st.Load())), h.boundary)
	if err != nil { // only a content type unfit for a part header gets here
		h.sendSpan(rq, r, 0, r.m.size, http.StatusOK)
		return
	}
	ctx.Response.Header.SetContentTypeBytes(mp.AppendContentType(nil))
	ctx.SetStatusCode(http.StatusPartialContent)
	if ctx.IsHead() {
		ctx.Response.Header.SetContentLength(int(mp.Len()))
		h.finish(rq, http.StatusPartialContent, r.tier, 0, time.Since(rq.start))
		return
	}
	pieces := make([]piece, 0, 2*len(rs)+1)
	for i, rg := range rs {
		hdr := mp.AppendPartHeader(nil, i)
		pieces = append(pieces, piece{lit: hdr, to: int64(len(hdr))}, piece{from: rg.Start, to: rg.End + 1})
	}
	end := mp.AppendClosing(nil)
	pieces = append(pieces, piece{lit: end, to: int64(len(end))})
	h.markPartial(rq, r.m, r.off, pieces)
	h.setWriteDeadline(ctx, mp.Len())
	h.setBodyStream(ctx, h.newBody(rq, r.m, http.StatusPartialContent, r.tier, pieces), mp.Len())
}

// setBodyStream streams b as the response body. The header block is
// flushed at once rather than held until the first buffer-full of body
// bytes, so a client waiting on a slow origin sees the response start.
func (h *handler) setBodyStream(ctx *fasthttp.RequestCtx, b *body, n int64) {
	ctx.Response.ImmediateHeaderFlush = true
	ctx.Response.SetBodyStream(b, int(n))
}

// newBody returns a streaming body for the given pieces of the object.
func (h *handler) newBody(rq *request, m *meta, status int, tr tier, pieces []piece) *body {
	logRq := *rq // the handler's request struct does not outlive it
	b := &body{h: h, key: m.key, w: h.tiers.want(&rq.query, m.key, 0), meta: m, pieces: pieces, start: rq.start, curIdx: -1, aheadIdx: -1}
	if realConn(rq.ctx) {
		b.conn = rq.ctx
	}
	b.pos = pieces[0].from
	b.done = func(b *body, err error) {
		if err != nil {
			h.log.Debug("response cut short", "key", b.key, "sent", b.written, "err", err)
		}
		h.metrics.response(status, tr, b.written, b.ttfb)
		h.logAccess(&logRq, status, tr, b.written, b.ttfb)
	}
	return b
}

func newBoundary() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "vodedge-" + hex.EncodeToString(b[:])
}

var (
	hdrAcceptRanges  = []byte("Accept-Ranges")
	hdrETag          = []byte("ETag")
	hdrLastModified  = []byte("Last-Modified")
	hdrXCache        = []byte("X-Cache")
	hdrServedBy      = []byte("X-Served-By")
	hdrAge           = []byte("Age")
	hdrVia           = []byte("Via")
	hdrCacheStatus   = []byte("Cache-Status")
	keyAuthorization = []byte("Authorization")
	keyCacheControl  = []byte("Cache-Control")
	keyPragma        = []byte("Pragma")
	valBytes         = []byte("bytes")
	valOnlyIfCached  = []byte("only-if-cached")
)

// setObjectHeaders sets the header fields of an answer from the cache:
// the object's, those the origin sent (Cache-Control, Expires, Vary, Via
// with this node added, …), Age, Cache-Status, and the tier.
func (h *handler) setObjectHeaders(rq *request, m *meta, tr tier) {
	hd := &rq.ctx.Response.Header
	st := m.st.Load()
	if ct := m.typeIn(st); len(ct) > 0 {
		hd.SetContentTypeBytes(ct)
	}
	if m.status == http.StatusOK {
		hd.SetCanonical(hdrAcceptRanges, valBytes)
	}
	if m.etag != nil {
		hd.SetCanonical(hdrETag, m.etag)
	}
	if m.lastModHTTP != nil {
		hd.SetCanonical(hdrLastModified, m.lastModHTTP)
	}
	for i := range st.send {
		if f := &st.send[i]; string(f.name) == "Set-Cookie" {
			hd.AddBytesKV(f.name, f.value)
		} else {
			hd.SetCanonical(f.name, f.value)
		}
	}
	for _, c := range rq.cookies { // set only on the fetch's own request
		hd.Add("Set-Cookie", c)
	}
	var ab [20]byte
	now := h.ageNow(rq, st)
	hd.SetCanonical(hdrAge, appendAge(ab[:0], st.age(now)))
	if rq.out != outHit || st.statusHit { // else a fresh hit is X-Cache: HIT-* alone; see doc.go
		var cs [128]byte
		hd.SetCanonical(hdrCacheStatus, h.appendCacheStatus(appendUpstream(cs[:0], st.upstream), rq, st, now))
	} else if st.upstream != nil {
		hd.SetCanonical(hdrCacheStatus, st.upstream)
	}
	hd.SetCanonical(hdrXCache, tr.bytes())
	hd.SetCanonical(hdrServedBy, h.nodeName)
}

// ageNow is the instant a response's Age is computed for: the request's
// time, unless the answer arrived after it (a miss, a revalidation), when
// the present is: the Age sent includes the response delay and is never
// below the origin's (RFC 9111 §4.2.3). A hit pays one comparison.
func (h *handler) ageNow(rq *request, st *stored) int64 {
	if rq.now >= st.respTime.UnixNano() {
		return rq.now
	}
	if h.clock != nil {
		return h.clock().UnixNano()
	}
	return time.Now().UnixNano()
}

// appendAge formats the Age field value: whole seconds, never negative.
func appendAge(dst []byte, age time.Duration) []byte {
	return strconv.AppendInt(dst, int64(max(age, 0)/time.Second), 10)
}

// setWriteDeadline gives a response with a body of n bytes its write
// deadline: WriteTimeout plus n at MinClientRate, so a slow player on a
// large segment is not cut off while a stalled one is (fasthttp's own
// WriteTimeout is one deadline for the whole response, whatever its
// size). A body that WriteTimeout alone covers at MinClientRate keeps
// fasthttp's deadline: no timer update on the path of small hits. A
// streamed body moves the deadline again before each write (body.deadline).
func (h *handler) setWriteDeadline(ctx *fasthttp.RequestCtx, n int64) {
	if n <= h.smallBody || !realConn(ctx) {
		return
	}
	_ = ctx.SetWriteDeadline(h.writeDeadline(n))
}

// realConn reports whether ctx is served on a connection whose deadlines
// can be set: one the server accepted (TCP, TLS, Unix), not a RequestCtx
// made with Init for tests or embedding (whose stand-in connection
// panics on SetWriteDeadline).
func realConn(ctx *fasthttp.RequestCtx) bool {
	switch ctx.Conn().(type) {
	case *clientConn, *net.TCPConn, *tls.Conn, *net.UnixConn:
		return true
	}
	return false
}

// writeDeadline is when a write of n bytes starting now must be done.
func (h *handler) writeDeadline(n int64) time.Time {
	return time.Now().Add(h.writeTimeout + time.Duration(float64(n)/float64(h.minClientRate)*float64(time.Second)))
}

// answerError ends a request with the status statusFor gives err and a
// short plain-text body naming the problem; tier is where the lookup
// got to (tierNone: the request never reached the cache).
func (h *handler) answerError(rq *request, err error, tr tier) {
	status, reason := statusFor(err)
	ctx := rq.ctx
	ctx.SetStatusCode(status)
	ctx.Response.Header.SetContentType("text/plain; charset=utf-8")
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.Response.Header.SetCanonical(hdrXCache, tr.bytes())
	if errors.Is(err, errPeerMiss) {
		ctx.Response.Header.Set(HeaderPeerMiss, "1")
	}
	switch {
	case rq.fwd != fwdNone:
		ctx.Response.Header.SetCanonical(hdrCacheStatus, h.appendCacheStatus(nil, rq, nil, 0))
	case errors.Is(err, errOnlyIfCached):
		// Not forwarded and no hit: the cache identifier with why.
		ctx.Response.Header.SetCanonical(hdrCacheStatus, append(h.appendCacheStatus(nil, rq, nil, 0), "; detail=only-if-cached"...))
	}
	body := strconv.AppendInt(nil, int64(status), 10)
	body = append(append(append(body, ' '), reason...), '\n')
	ctx.Response.SetBodyRaw(body)
	if ctx.IsHead() {
		body = nil
	}
	h.finish(rq, status, tr, int64(len(body)), time.Since(rq.start))
}

// finish records a response whose body fasthttp writes from memory.
func (h *handler) finish(rq *request, status int, tr tier, n int64, ttfb time.Duration) {
	h.metrics.response(status, tr, n, ttfb)
	h.logAccess(rq, status, tr, n, ttfb)
}

func (h *handler) logAccess(rq *request, status int, tr tier, n int64, ttfb time.Duration) {
	if h.alog == nil {
		return
	}
	path := rq.key
	if path == "" {
		path = string(rq.ctx.Request.Header.RequestURI())
	}
	r := accesslog.Record{
		Time: rq.start, Client: rq.ctx.RemoteAddr(), Method: method(rq.ctx), Path: path,
		Status: status, Bytes: n, Tier: tr.String(), Cache: logOutcomes[rq.out], TTFB: ttfb,
	}
	if rh := rq.ctx.Request.Header.PeekCanonical(keyRange); len(rh) > 0 {
		r.Range = string(rh)
	}
	h.alog.Log(r)
}

func method(ctx *fasthttp.RequestCtx) string {
	switch {
	case ctx.IsGet():
		return fasthttp.MethodGet
	case ctx.IsHead():
		return fasthttp.MethodHead
	}
	return string(ctx.Method())
}
