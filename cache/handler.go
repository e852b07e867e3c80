package cache

import (
	"bytes"
	"context"
	"log/slog"
	"net"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/evloop"
	"github.com/vodedge/vodedge/cache/freshness"
	"github.com/vodedge/vodedge/cache/httprange"
	"github.com/vodedge/vodedge/internal/cachekey"
)

// handler is the HTTP protocol layer on top of the lookup: it reads a
// request (method, signed URL, cache key, variant, Range, the client's
// cache directives), asks tiers.find for the slice the response starts
// from, and answers (respond.go): preconditions, ranges, header fields,
// a body from memory, a file or a stream (body.go), the access log and
// the response metrics. It also passes unsafe methods to the origin
// (forward.go) and answers CORS preflights.
//
// It holds no cached data and starts no fetch: what it reads comes from
// the tiers (find, acquire), which ask the flights for what they lack.
type handler struct {
	tiers     *tiers
	metrics   *metrics
	log       *slog.Logger
	alog      AccessLogger     // nil: no access log
	urls      URLVerifier      // nil: no signed-URL check
	forwarder Forwarder        // nil: unsafe methods get 405
	clock     func() time.Time // nil: the request's start time
	ctx       context.Context  // forwarded requests; cancelled at shutdown

	sliceBytes     int64
	smallBody      int64 // bodies WriteTimeout covers at MinClientRate
	writeTimeout   time.Duration
	minClientRate  int64
	honorClientCC  bool
	maxRequestBody int

	corsOrigin []byte // nil: no CORS headers
	nodeName   []byte
	via        []byte // this node's Via entry
	boundary   string
	statusID   []byte // this node as a Cache-Status cache identifier
	statusFwd  []byte // the Cache-Status of a forwarded unsafe method
	statusKey  bool   // Cache-Status carries the cache key
	queryKeys  bool   // some policy rule puts query strings into keys

	// resume gives a connection back to the event loops (their
	// Resume), release uncounts one (the limiter's); nil without loops.
	resume  func(c *net.TCPConn, buffered []byte) bool
	release func(net.Conn)
}

func (h *handler) init(ctx context.Context, cfg *Config, deps Deps, t *tiers) {
	h.ctx, h.tiers, h.metrics, h.log = ctx, t, t.metrics, t.log
	h.alog, h.urls, h.clock = deps.AccessLog, deps.URLs, deps.Clock
	h.forwarder = deps.Forwarder
	if f, ok := deps.Origin.(Forwarder); ok && h.forwarder == nil {
		h.forwarder = f
	}
	if !cfg.ForwardUnsafe {
		h.forwarder = nil
	}
	h.sliceBytes, h.writeTimeout, h.minClientRate = cfg.SliceBytes, cfg.WriteTimeout, cfg.MinClientRate
	h.smallBody = int64(cfg.WriteTimeout.Seconds() * float64(cfg.MinClientRate))
	h.honorClientCC, h.maxRequestBody = cfg.HonorClientCacheControl, cfg.MaxRequestBodyBytes
	if cfg.CORSOrigin != "" {
		h.corsOrigin = []byte(cfg.CORSOrigin)
	}
	h.nodeName, h.via, h.boundary = []byte(cfg.NodeName), t.rules.via, newBoundary()
	h.statusID, h.statusKey = cacheStatusID(cfg.NodeName), cfg.CacheStatusKey
	h.queryKeys = cfg.Policies.HasQuery()
	h.statusFwd = append(append([]byte(nil), h.statusID...), "; fwd=method"...)
}

// request is the per-request state the handler passes around: the query
// it asks the lookup, and what answering needs besides. It lives on the
// handler's stack.
type request struct {
	query
	ctx     *fasthttp.RequestCtx
	start   time.Time
	ranges  [4]httprange.Range // backing store for the common case
	rangeH  []byte             // the Range header, read once
	retries int                // rebuilds after a slice file failed to open
	// handoff: a request of the event loop (query.inLoop) that it must
	// not answer; nothing was counted, logged or sent for it. stable:
	// its body is a cached slice's bytes (evloop.AnsweredStable).
	handoff, stable bool
}

// handle is the public listener's fasthttp handler.
func (h *handler) handle(ctx *fasthttp.RequestCtx) {
	if h.preflight(ctx) {
		return
	}
	h.serve(ctx, false, false)
	h.cors(ctx)
	h.toLoop(ctx)
}

// serve answers a request; cachedOnly never starts an origin fetch.
func (h *handler) serve(ctx *fasthttp.RequestCtx, cachedOnly, peer bool) {
	rq := request{query: query{hdr: &ctx.Request.Header, cachedOnly: cachedOnly, peer: peer}, ctx: ctx, start: ctx.Time()}
	if !peer {
		rq.early = ctx
	}
	if !ctx.IsGet() && !ctx.IsHead() {
		h.otherMethod(&rq)
		return
	}
	h.get(&rq)
}

// handleLoop is the event loop's handler (evloop.Handler): a GET or HEAD
// of the public listener answered only when that cannot block (a fresh
// RAM hit, a fresh disk hit whose bytes are in the page cache, an error,
// a 304), else handed off to fasthttp's server.
func (h *handler) handleLoop(ctx *fasthttp.RequestCtx) evloop.Verdict {
	rq := request{query: query{hdr: &ctx.Request.Header, inLoop: true}, ctx: ctx, start: ctx.Time()}
	h.get(&rq)
	if rq.handoff {
		return evloop.HandOff
	}
	h.cors(ctx)
	if rq.stable {
		return evloop.AnsweredStable
	}
	return evloop.Answered
}

// get answers a GET or HEAD.
func (h *handler) get(rq *request) {
	target, ok := h.verifyURL(rq)
	if !ok {
		return
	}
	var kb [256]byte
	k, err := cachekey.Normalize(kb[:0], target)
	if err != nil {
		h.answerError(rq, &classed{errBadTarget, err}, tierNone)
		return
	}
	if k, err = h.withQuery(k, target); err != nil {
		h.answerError(rq, err, tierNone)
		return
	}
	h.parse(rq, k)
	r := h.tiers.find(&rq.query)
	if r.err == errWouldBlock {
		rq.handoff = true
		return
	}
	if rq.inLoop { // r is a fresh hit: loopHit has no other error
		h.respondInLoop(rq, &r)
		return
	}
	h.metrics.lookup(r.out)
	if r.err != nil {
		h.answerError(rq, r.err, r.tier)
		return
	}
	h.respond(rq, &r)
}

// respondInLoop is respond for the event loop: the lookup is counted
// only when the loop answers (a body it cannot send without waiting
// hands the request off, and fasthttp's server counts it then).
func (h *handler) respondInLoop(rq *request, r *result) {
	h.respond(rq, r)
	if rq.handoff {
		rq.ctx.Response.Reset()
		return
	}
	h.metrics.lookup(r.out)
}

// parse fills the query of a GET or HEAD whose target normalized to k.
func (h *handler) parse(rq *request, k []byte) {
	rq.key = string(k)
	rq.obj = rq.key
	if h.tiers.vary.n.Load() > 0 {
		rq.obj = h.tiers.objectKey(&rq.query)
	}
	rq.head = rq.ctx.IsHead()
	rq.rangeH = rq.hdr.PeekCanonical(keyRange)
	rq.first = rangeHint(rq.rangeH)
	rq.now = rq.start.UnixNano()
	if h.clock != nil {
		rq.now = h.clock().UnixNano()
	}
	h.requestDirectives(rq)
}

// requestDirectives reads what the request asks of the cache. A peer's
// Authorization is the cluster's credential, not the client's, and a
// peer's directives are not a player's.
func (h *handler) requestDirectives(rq *request) {
	hdr := rq.hdr
	rq.auth = !rq.peer && len(hdr.PeekCanonical(keyAuthorization)) > 0
	if cc := hdr.PeekCanonical(keyCacheControl); len(cc) > 0 && !rq.peer {
		if !h.honorClientCC {
			// only-if-cached can only spare the origin: always obeyed.
			rq.onlyIfCached = containsFold(cc, valOnlyIfCached)
		} else {
			d := freshness.Parse(string(cc))
			rq.rcc, rq.noStore, rq.onlyIfCached = &d, d.NoStore, d.OnlyIfCached
		}
	} else if h.honorClientCC && !rq.peer && bytes.Contains(hdr.PeekCanonical(keyPragma), []byte("no-cache")) {
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

// protocolError answers requests fasthttp could not parse (malformed
// request lines, oversized headers, a header not complete within
// ReadTimeout) in the same plain-text form as the handler's own errors.
func (h *handler) protocolError(ctx *fasthttp.RequestCtx, err error) {
	rq := request{ctx: ctx, start: time.Now()}
	h.answerError(&rq, &classed{errMalformed, err}, tierNone)
	ctx.SetConnectionClose()
}

// containsFold reports whether b contains sub, ignoring ASCII case.
func containsFold(b, sub []byte) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if bytes.EqualFold(b[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
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
