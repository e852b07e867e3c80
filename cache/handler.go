package cache

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/accesslog"
	"github.com/vodedge/vodedge/cache/freshness"
	"github.com/vodedge/vodedge/cache/httprange"
	"github.com/vodedge/vodedge/internal/cachekey"
)

// request is the per-request state the handler passes around. It lives on
// the handler's stack.
type request struct {
	ctx    *fasthttp.RequestCtx
	key    string // the URL's cache key
	obj    string // the object's key: key, or its variant's when it varies
	start  time.Time
	now    int64              // start in unix ns, for freshness
	ranges [4]httprange.Range // backing store for the common case
	rangeH []byte             // the Range header, read once
	// cachedOnly answers from the RAM tier, the disk tier or a fetch in
	// flight, never starting an origin fetch (peer requests to a node
	// that does not own the object).
	cachedOnly bool
	peer       bool // from the peer listener: its Authorization is the cluster's
	retries    int  // rebuilds after a slice file failed to open

	// What the request asks of the cache.
	plain        bool                  // no Authorization, no honoured directives: the fast path
	auth         bool                  // carries Authorization (RFC 9111 §3.5)
	rcc          *freshness.Directives // the client's Cache-Control, when honoured
	onlyIfCached bool
	noStore      bool
	pass         bool    // fetched privately: not shared, not stored
	out          outcome // how the cache answered
}

// handle is the public listener's fasthttp handler.
func (s *Server) handle(ctx *fasthttp.RequestCtx) {
	if s.preflight(ctx) {
		return
	}
	s.serve(ctx, false, false)
	s.cors(ctx)
}

// serve answers a request; cachedOnly never starts an origin fetch.
func (s *Server) serve(ctx *fasthttp.RequestCtx, cachedOnly, peer bool) {
	rq := request{ctx: ctx, start: ctx.Time(), cachedOnly: cachedOnly, peer: peer}
	if !ctx.IsGet() && !ctx.IsHead() {
		s.otherMethod(&rq)
		return
	}
	target, ok := s.verifyURL(&rq)
	if !ok {
		return
	}
	var kb [256]byte
	k, err := cachekey.Normalize(kb[:0], target)
	if err != nil {
		s.answerText(&rq, http.StatusBadRequest, err.Error())
		return
	}
	rq.key = string(k)
	rq.obj = rq.key
	if s.vary.n.Load() > 0 {
		rq.obj = s.objectKey(&rq)
	}
	rq.rangeH = ctx.Request.Header.PeekCanonical(keyRange)
	rq.now = rq.start.UnixNano()
	if s.clock != nil {
		rq.now = s.clock().UnixNano()
	}
	s.requestDirectives(&rq)
	src, m, off, err := s.locate(&rq)
	s.metrics.lookup(rq.out)
	if err != nil {
		status, reason := statusFor(err)
		s.answerTier(&rq, status, reason, src.tier)
		if errors.Is(err, errPeerMiss) {
			ctx.Response.Header.Set(HeaderPeerMiss, "1")
		}
		return
	}
	s.respond(&rq, src, m, off)
}

// requestDirectives reads what the request asks of the cache. A peer's
// Authorization is the cluster's credential, not the client's, and a
// peer's directives are not a player's.
func (s *Server) requestDirectives(rq *request) {
	h := &rq.ctx.Request.Header
	rq.auth = !rq.peer && len(h.PeekCanonical(keyAuthorization)) > 0
	if cc := h.PeekCanonical(keyCacheControl); len(cc) > 0 && !rq.peer {
		if !s.cfg.HonorClientCacheControl {
			// only-if-cached can only spare the origin: always obeyed.
			rq.onlyIfCached = containsFold(cc, valOnlyIfCached)
		} else {
			d := freshness.Parse(string(cc))
			rq.rcc, rq.noStore, rq.onlyIfCached = &d, d.NoStore, d.OnlyIfCached
		}
	} else if s.cfg.HonorClientCacheControl && !rq.peer && bytes.Contains(h.PeekCanonical(keyPragma), []byte("no-cache")) {
		d := freshness.Empty()
		d.NoCache = true
		rq.rcc = &d
	}
	rq.plain = !rq.auth && rq.rcc == nil
}

// normalizeTarget appends the cache key of the request's target to dst.
func normalizeTarget(dst []byte, ctx *fasthttp.RequestCtx) ([]byte, error) {
	return cachekey.Normalize(dst, ctx.Request.Header.RequestURI())
}

// respond answers with the object described by m; src is the slice at
// object offset off, already available.
func (s *Server) respond(rq *request, src source, m *meta, off int64) {
	ctx := rq.ctx
	s.setObjectHeaders(rq, m, src.tier)
	if m.status != http.StatusOK {
		s.sendStatus(rq, src, m, off)
		return
	}
	if st := preconditions(&ctx.Request.Header, m); st != 0 {
		ctx.SetStatusCode(st)
		s.finish(rq, st, src.tier, 0, 0)
		return
	}
	rh := rq.rangeH
	if len(rh) == 0 || !ifRangeHolds(&ctx.Request.Header, m) {
		s.sendSpan(rq, src, m, off, 0, m.size, http.StatusOK)
		return
	}
	rs, err := httprange.Parse(rq.ranges[:0], rh, m.size)
	switch {
	case errors.Is(err, httprange.ErrUnsatisfiable):
		ctx.Response.Header.SetBytesV(fasthttp.HeaderContentRange, httprange.AppendUnsatisfied(nil, m.size))
		s.answerTier(rq, http.StatusRequestedRangeNotSatisfiable, "range not satisfiable", src.tier)
	case err != nil: // invalid Range: RFC 9110 says ignore it
		s.sendSpan(rq, src, m, off, 0, m.size, http.StatusOK)
	default:
		rs = httprange.Coalesce(rs, coalesceGap)
		if len(rs) == 1 {
			ctx.Response.Header.SetBytesV(fasthttp.HeaderContentRange, httprange.AppendContentRange(nil, rs[0], m.size))
			s.sendSpan(rq, src, m, off, rs[0].Start, rs[0].End+1, http.StatusPartialContent)
			return
		}
		s.sendMultipart(rq, src, m, off, rs)
	}
}

// sendStatus answers with a cached status answer (a 404, a 301): its
// status and whole body; Range and preconditions do not apply to it (RFC
// 9110 §13.2.1, §14.2).
func (s *Server) sendStatus(rq *request, src source, m *meta, off int64) {
	if m.status >= 400 {
		rq.ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	}
	s.sendSpan(rq, src, m, off, 0, m.size, m.status)
}

// coalesceGap merges requested ranges closer than a multipart part header
// (RFC 9110 §14.6 allows it); sending the gap is cheaper than a new part.
const coalesceGap = 80

// sendSpan answers with the object's bytes [from, to). When they are all
// in one slice in memory the slice itself becomes the body (SetBodyRaw:
// fasthttp writes it to the socket from where it is, in one writev with
// the header); otherwise a body streams them as they arrive.
func (s *Server) sendSpan(rq *request, src source, m *meta, off, from, to int64, status int) {
	ctx := rq.ctx
	if rq.cachedOnly && (from < off || to > off+src.length()) {
		ctx.Response.Reset()
		s.answerTier(rq, http.StatusNotFound, "not cached on this peer", tierMiss)
		ctx.Response.Header.Set(HeaderPeerMiss, "1")
		return
	}
	ctx.SetStatusCode(status)
	n := to - from
	if ctx.IsHead() {
		ctx.Response.Header.SetContentLength(int(n))
		s.finish(rq, status, src.tier, 0, time.Since(rq.start))
		return
	}
	if data, ok := src.complete(); ok && from >= off && to <= off+int64(len(data)) {
		s.setWriteDeadline(ctx, n)
		ctx.Response.SetBodyRaw(data[from-off : to-off])
		s.finish(rq, status, src.tier, n, time.Since(rq.start))
		return
	}
	if src.d != nil && !src.d.verify && n <= smallDiskRead && to <= off+src.length() {
		if s.sendDiskBytes(rq, src.d, from, n) {
			s.finish(rq, status, src.tier, n, time.Since(rq.start))
			return
		}
		s.retryAfterOpenFailure(rq, from)
		return
	}
	if src.sendfile() && to <= off+src.length() {
		if f, err := src.openAt(from); err == nil {
			// fasthttp sends an *os.File body with sendfile(2) and closes it.
			s.setWriteDeadline(ctx, n)
			ctx.Response.SetBodyStream(f, int(n))
			s.finish(rq, status, src.tier, n, time.Since(rq.start))
			return
		}
		s.retryAfterOpenFailure(rq, from)
		return
	}
	if src.d != nil && src.d.verify && src.d.prepare() != nil {
		s.retryAfterOpenFailure(rq, from)
		return
	}
	s.setWriteDeadline(ctx, n)
	b := s.newBody(rq, m, status, src.tier, []piece{{from: from, to: to}})
	b.cur, b.curIdx = src, off/s.cfg.SliceBytes
	s.setBodyStream(ctx, b, n)
}

// smallDiskRead is the largest response read from a disk file into the
// response's own body buffer instead of being sent with sendfile: for a
// small body, sendfile costs a header write, a seek and a sendfile call
// where pread and one writev (header and body together) do. Measured on
// the 2-core loopback bench (disk-16KiB, RAM tier off): see cache/doc.go.
const smallDiskRead = 64 << 10

// sendDiskBytes makes bytes [from, from+n) of a disk slice the body,
// read into fasthttp's pooled body buffer (SwapBody: the buffer stays
// with the response and returns to fasthttp's pool after it). It reports
// false when the file could not be read whole; the store has evicted it
// by then and nothing was sent.
func (s *Server) sendDiskBytes(rq *request, d *diskSlice, from, n int64) bool {
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
	s.setWriteDeadline(ctx, n)
	ctx.Response.SwapBody(buf)
	return true
}

// retryAfterOpenFailure answers a request whose slice file could not be
// opened (a disk file the store has evicted by then, or a memfd released
// by the RAM tier a moment ago): the response is rebuilt from scratch
// from the other tiers or the origin.
func (s *Server) retryAfterOpenFailure(rq *request, from int64) {
	rq.ctx.Response.Reset()
	rq.retries++
	src := s.acquire(s.wantFor(rq, rq.obj, from/s.cfg.SliceBytes), nil)
	m, off, err := src.wait()
	if err == nil && rq.retries > 2 {
		err = errDiskFailed
	}
	if err != nil {
		status, reason := statusFor(err)
		s.answerTier(rq, status, reason, src.tier)
		return
	}
	s.respond(rq, src, m, off)
}

// sendMultipart answers a request for several ranges with a
// multipart/byteranges body streamed with a known length.
func (s *Server) sendMultipart(rq *request, src source, m *meta, off int64, rs []httprange.Range) {
	ctx := rq.ctx
	if rq.cachedOnly {
		s.answerTier(rq, http.StatusNotFound, "not cached on this peer", tierMiss)
		ctx.Response.Header.Set(HeaderPeerMiss, "1")
		return
	}
	mp, err := httprange.NewMultipart(rs, m.size, string(m.contentType), s.boundary)
	if err != nil { // only a content type unfit for a part header gets here
		s.sendSpan(rq, src, m, off, 0, m.size, http.StatusOK)
		return
	}
	ctx.Response.Header.SetContentTypeBytes(mp.AppendContentType(nil))
	ctx.SetStatusCode(http.StatusPartialContent)
	if ctx.IsHead() {
		ctx.Response.Header.SetContentLength(int(mp.Len()))
		s.finish(rq, http.StatusPartialContent, src.tier, 0, time.Since(rq.start))
		return
	}
	pieces := make([]piece, 0, 2*len(rs)+1)
	for i, r := range rs {
		hdr := mp.AppendPartHeader(nil, i)
		pieces = append(pieces, piece{lit: hdr, to: int64(len(hdr))}, piece{from: r.Start, to: r.End + 1})
	}
	end := mp.AppendClosing(nil)
	pieces = append(pieces, piece{lit: end, to: int64(len(end))})
	s.setWriteDeadline(ctx, mp.Len())
	s.setBodyStream(ctx, s.newBody(rq, m, http.StatusPartialContent, src.tier, pieces), mp.Len())
}

// setBodyStream streams b as the response body. The header block is
// flushed at once rather than held until the first buffer-full of body
// bytes, so a client waiting on a slow origin sees the response start.
func (s *Server) setBodyStream(ctx *fasthttp.RequestCtx, b *body, n int64) {
	ctx.Response.ImmediateHeaderFlush = true
	ctx.Response.SetBodyStream(b, int(n))
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

// containsFold reports whether b contains sub, ignoring ASCII case.
func containsFold(b, sub []byte) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if bytes.EqualFold(b[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

// setObjectHeaders sets the header fields of an answer from the cache:
// the object's, those the origin sent (Cache-Control, Expires, Vary, Via
// with this node added, …), Age, Cache-Status, and the tier.
func (s *Server) setObjectHeaders(rq *request, m *meta, tier string) {
	h := &rq.ctx.Response.Header
	st := m.st.Load()
	if len(m.contentType) > 0 {
		h.SetContentTypeBytes(m.contentType)
	}
	if m.status == http.StatusOK {
		h.SetCanonical(hdrAcceptRanges, valBytes)
	}
	if m.etag != nil {
		h.SetCanonical(hdrETag, m.etag)
	}
	if m.lastModHTTP != nil {
		h.SetCanonical(hdrLastModified, m.lastModHTTP)
	}
	for i := range st.send {
		if f := &st.send[i]; string(f.name) == "Set-Cookie" {
			h.AddBytesKV(f.name, f.value)
		} else {
			h.SetCanonical(f.name, f.value)
		}
	}
	var ab [20]byte
	h.SetCanonical(hdrAge, appendAge(ab[:0], st.age(rq.now)))
	if rq.out != outHit { // a fresh hit is X-Cache: HIT-*; see doc.go
		h.SetCanonical(hdrCacheStatus, s.cacheStatus[rq.out])
	}
	h.SetCanonical(hdrXCache, tierBytes(tier))
	h.SetCanonical(hdrServedBy, s.nodeName)
}

// setWriteDeadline gives a response with a body of n bytes its write
// deadline: WriteTimeout plus n at MinClientRate, so a slow player on a
// large segment is not cut off while a stalled one is (fasthttp's own
// WriteTimeout is one deadline for the whole response, whatever its
// size). A body that WriteTimeout alone covers at MinClientRate keeps
// fasthttp's deadline: no timer update on the path of small hits. A
// streamed body moves the deadline again before each write (body.deadline).
func (s *Server) setWriteDeadline(ctx *fasthttp.RequestCtx, n int64) {
	if n <= s.smallBody || !realConn(ctx) {
		return
	}
	_ = ctx.SetWriteDeadline(s.writeDeadline(n))
}

// realConn reports whether ctx is served on a connection whose deadlines
// can be set: one the server accepted (TCP, TLS, Unix), not a RequestCtx
// made with Init for tests or embedding (whose stand-in connection
// panics on SetWriteDeadline).
func realConn(ctx *fasthttp.RequestCtx) bool {
	switch ctx.Conn().(type) {
	case *net.TCPConn, *tls.Conn, *net.UnixConn:
		return true
	}
	return false
}

// writeDeadline is when a write of n bytes starting now must be done.
func (s *Server) writeDeadline(n int64) time.Time {
	return time.Now().Add(s.cfg.WriteTimeout + time.Duration(float64(n)/float64(s.cfg.MinClientRate)*float64(time.Second)))
}

// answerText ends a request that never reached the cache with a short
// plain-text body naming the problem.
func (s *Server) answerText(rq *request, status int, reason string) {
	s.answerTier(rq, status, reason, tierNone)
}

func (s *Server) answerTier(rq *request, status int, reason, tier string) {
	ctx := rq.ctx
	ctx.SetStatusCode(status)
	ctx.Response.Header.SetContentType("text/plain; charset=utf-8")
	ctx.Response.Header.Set("X-Content-Type-Options", "nosniff")
	ctx.Response.Header.SetCanonical(hdrXCache, tierBytes(tier))
	body := strconv.AppendInt(nil, int64(status), 10)
	body = append(append(append(body, ' '), reason...), '\n')
	ctx.Response.SetBodyRaw(body)
	if ctx.IsHead() {
		body = nil
	}
	s.finish(rq, status, tier, int64(len(body)), time.Since(rq.start))
}

// finish records a response whose body fasthttp writes from memory.
func (s *Server) finish(rq *request, status int, tier string, n int64, ttfb time.Duration) {
	s.metrics.response(status, tier, n, ttfb)
	s.logAccess(rq, status, tier, n, ttfb)
}

func (s *Server) logAccess(rq *request, status int, tier string, n int64, ttfb time.Duration) {
	if s.alog == nil {
		return
	}
	path := rq.key
	if path == "" {
		path = string(rq.ctx.Request.Header.RequestURI())
	}
	r := accesslog.Record{
		Time: rq.start, Client: rq.ctx.RemoteAddr(), Method: method(rq.ctx), Path: path,
		Status: status, Bytes: n, Tier: tier, Cache: logOutcomes[rq.out], TTFB: ttfb,
	}
	if rh := rq.ctx.Request.Header.PeekCanonical(keyRange); len(rh) > 0 {
		r.Range = string(rh)
	}
	s.alog.Log(r)
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

// rangeHint returns the first byte a Range header asks for when it says
// so ("bytes=N-..."), and 0 otherwise (no header, a suffix range, junk).
// It only picks the slice to look at first; the header is parsed for real
// once the object's size is known.
func rangeHint(h []byte) int64 {
	const prefix = "bytes="
	if len(h) <= len(prefix) || string(h[:len(prefix)]) != prefix {
		return 0
	}
	var n int64
	for _, c := range h[len(prefix):] {
		if c < '0' || c > '9' {
			break
		}
		if n > (1<<62)/10 {
			return 0
		}
		n = n*10 + int64(c-'0')
	}
	return n
}
