package cache

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/origin"
)

// Forwarder passes a request with an unsafe method to the origin.
// origin.HTTP implements it.
type Forwarder interface {
	Forward(ctx context.Context, req origin.ForwardRequest) (*origin.ForwardReply, error)
}

var _ Forwarder = (*origin.HTTP)(nil)

// isUnsafe reports whether m is a method the edge forwards.
func isUnsafe(m []byte) bool {
	switch string(m) {
	case http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch:
		return true
	}
	return false
}

// otherMethod answers a request that is neither GET nor HEAD: forwarded
// when it is unsafe and the origin takes it, else 405.
func (s *Server) otherMethod(rq *request) {
	ctx := rq.ctx
	if s.forwarder != nil && !rq.peer && isUnsafe(ctx.Method()) {
		s.forward(rq)
		return
	}
	allow := "GET, HEAD"
	if s.forwarder != nil && !rq.peer {
		allow = "GET, HEAD, POST, PUT, DELETE, PATCH"
	}
	ctx.Response.Header.Set("Allow", allow)
	s.answerText(rq, http.StatusMethodNotAllowed, "method not allowed")
}

// forward passes an unsafe request to the origin and its answer to the
// client, then invalidates what is cached for the target (and the same
// host's Location and Content-Location) when the answer is a success
// (RFC 9111 §4.4).
func (s *Server) forward(rq *request) {
	ctx := rq.ctx
	rq.out = outMethod
	var kb [256]byte
	k, err := normalizeTarget(kb[:0], ctx)
	if err != nil {
		s.answerText(rq, http.StatusBadRequest, err.Error())
		return
	}
	rq.key = string(k)
	if len(ctx.PostBody()) > s.cfg.MaxRequestBodyBytes {
		s.answerText(rq, http.StatusRequestEntityTooLarge, "request body too large")
		return
	}
	req := origin.ForwardRequest{
		Method: string(ctx.Method()), Key: rq.key, RawQuery: string(ctx.URI().QueryString()),
		Header: passFields(&ctx.Request.Header), Body: append([]byte(nil), ctx.PostBody()...),
	}
	rep, err := s.forwarder.Forward(s.ctx, req)
	if err != nil {
		status, reason := statusFor(err)
		s.answerTier(rq, status, reason, tierMiss)
		return
	}
	if rep.Status < 400 {
		s.invalidate(rq, rep)
	}
	s.sendForwarded(rq, rep)
}

// sendForwarded writes the origin's answer to a forwarded request.
func (s *Server) sendForwarded(rq *request, rep *origin.ForwardReply) {
	ctx := rq.ctx
	h := &ctx.Response.Header
	ctx.SetStatusCode(rep.Status)
	via := s.via
	for k, vs := range rep.Header {
		switch k {
		case "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Date", "Server":
			continue
		case "Via":
			via = []byte(strings.Join(vs, ", ") + ", " + string(s.via))
			continue
		}
		for _, v := range vs {
			h.Add(k, v)
		}
	}
	h.SetCanonical(hdrVia, via)
	h.SetCanonical(hdrCacheStatus, s.cacheStatus[outMethod])
	h.SetCanonical(hdrXCache, tierBytes(tierMiss))
	h.SetCanonical(hdrServedBy, s.nodeName)
	noBody := rep.Status < 200 || rep.Status == http.StatusNoContent || rep.Status == http.StatusNotModified
	n := rep.Length
	if noBody {
		rep.Body.Close()
		n = 0
	} else {
		// fasthttp closes the body once written, which releases the
		// origin request; -1 sends it chunked.
		ctx.Response.SetBodyStream(rep.Body, int(rep.Length))
	}
	s.finish(rq, rep.Status, tierMiss, max(n, 0), time.Since(rq.start))
}

// invalidate removes what is cached for a forwarded request's target and
// for the keys its answer's Location and Content-Location name on the
// same host: relative references and the origin's own URLs (Related),
// and absolute ones naming the host the client asked.
func (s *Server) invalidate(rq *request, rep *origin.ForwardReply) {
	targets := []string{rq.key}
	add := func(raw string) {
		if k, err := cachekey.Normalize(nil, []byte(raw)); err == nil {
			targets = append(targets, string(k))
		}
	}
	for _, p := range rep.Related {
		add(p)
	}
	host := string(rq.ctx.Host())
	for _, name := range []string{"Location", "Content-Location"} {
		if u, err := url.Parse(rep.Header.Get(name)); err == nil && u.IsAbs() && host != "" && strings.EqualFold(u.Host, host) {
			add(u.EscapedPath())
		}
	}
	for _, k := range targets {
		s.invalidateKey(k)
	}
}

// invalidateKey drops every stored version and variant of the object at
// key: the current version is superseded at once (responses under way
// finish), its slices leave both tiers.
func (s *Server) invalidateKey(key string) {
	s.metrics.invalidations.Inc()
	keys := []string{key}
	s.vary.mu.RLock()
	if sp := s.vary.m[key]; sp != nil {
		for v := range sp.variants {
			keys = append(keys, v)
		}
	}
	s.vary.mu.RUnlock()
	for _, k := range keys {
		if m := s.versions.get(k); m != nil {
			m.supersede()
		}
		s.dropRAM(k)
	}
	s.vary.forget(key)
	s.markPurged(func(k string) bool { return strings.HasPrefix(k, key) && (len(k) == len(key) || k[len(key)] < ' ') })
	if s.disk != nil {
		s.disk.Delete(key)
		for _, p := range []string{key + "\x00", key + variantSep} {
			if _, err := s.disk.PurgePrefix(p); err != nil {
				s.log.Warn("invalidating on disk failed", "key", key, "err", err)
			}
		}
	}
}

// dropRAM removes the slices of the object at key from the RAM tier,
// finding how many there are from slice 0.
func (s *Server) dropRAM(key string) {
	sl, ok := s.ram.Get(key)
	if !ok {
		return
	}
	last := max(sl.meta.size-1, 0) / s.cfg.SliceBytes
	for idx := int64(0); idx <= last; idx++ {
		s.ram.Del(cachekey.SliceKey(key, idx))
	}
}

// markPurged keeps fetches in flight whose slice keys match from storing
// what they fetch.
func (s *Server) markPurged(match func(sliceKey string) bool) {
	s.flights.mu.Lock()
	for k, f := range s.flights.m {
		if match(k) {
			f.purged.Store(true)
		}
	}
	s.flights.mu.Unlock()
}
