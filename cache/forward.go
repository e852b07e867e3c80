package cache

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
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

// otherMethod answers a request that is neither GET nor HEAD: forwarded
// when it is unsafe (POST, PUT, DELETE, PATCH, and methods the edge does
// not know: RFC 9111 §4.4) and the origin takes it, else 405.
func (h *handler) otherMethod(rq *request) {
	ctx := rq.ctx
	if h.forwarder != nil && !rq.peer && origin.Forwardable(string(ctx.Method())) {
		h.forward(rq)
		return
	}
	allow := "GET, HEAD"
	if h.forwarder != nil && !rq.peer {
		allow = "GET, HEAD, POST, PUT, DELETE, PATCH"
	}
	ctx.Response.Header.Set("Allow", allow)
	h.answerError(rq, errMethod, tierNone)
}

// forward passes an unsafe request to the origin and its answer to the
// client, then invalidates what is cached for the target (and the same
// host's Location and Content-Location) when the answer is a success
// (RFC 9111 §4.4).
func (h *handler) forward(rq *request) {
	ctx := rq.ctx
	rq.out = outMethod
	var kb [256]byte
	k, err := normalizeTarget(kb[:0], ctx)
	if err != nil {
		h.answerError(rq, &classed{errBadTarget, err}, tierNone)
		return
	}
	if k, err = h.withQuery(k, ctx.Request.Header.RequestURI()); err != nil {
		h.answerError(rq, err, tierNone)
		return
	}
	rq.key = string(k)
	if len(ctx.PostBody()) > h.maxRequestBody {
		h.answerError(rq, errBodyTooLarge, tierNone)
		return
	}
	req := origin.ForwardRequest{
		Method: string(ctx.Method()), Key: keyPath(rq.key), RawQuery: string(ctx.URI().QueryString()),
		Header: passFields(&ctx.Request.Header), Body: append([]byte(nil), ctx.PostBody()...),
	}
	rep, err := h.forwarder.Forward(h.ctx, req)
	if err != nil {
		h.answerError(rq, err, tierMiss)
		return
	}
	if rep.Status < 400 {
		h.invalidate(rq, rep)
	}
	h.sendForwarded(rq, rep)
}

// sendForwarded writes the origin's answer to a forwarded request.
func (h *handler) sendForwarded(rq *request, rep *origin.ForwardReply) {
	ctx := rq.ctx
	hd := &ctx.Response.Header
	ctx.SetStatusCode(rep.Status)
	via := h.via
	for k, vs := range rep.Header {
		if h.tiers.rules.strip[k] {
			continue
		}
		switch k {
		case "Content-Length", "Transfer-Encoding", "Connection", "Keep-Alive", "Date", "Server":
			continue
		case "Via":
			via = []byte(strings.Join(vs, ", ") + ", " + string(h.via))
			continue
		}
		for _, v := range vs {
			hd.Add(k, v)
		}
	}
	hd.SetCanonical(hdrVia, via)
	cs := appendUpstream(nil, []byte(strings.Join(rep.Header.Values("Cache-Status"), ", ")))
	hd.SetCanonical(hdrCacheStatus, strconv.AppendInt(append(append(cs, h.statusFwd...), "; fwd-status="...), int64(rep.Status), 10))
	hd.SetCanonical(hdrXCache, tierMiss.bytes())
	hd.SetCanonical(hdrServedBy, h.nodeName)
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
	h.finish(rq, rep.Status, tierMiss, max(n, 0), time.Since(rq.start))
}

// invalidate removes what is cached for a forwarded request's target and
// for the keys its answer's Location and Content-Location name on the
// same host: relative references and the origin's own URLs (Related),
// and absolute ones naming the host the client asked; with their query
// where a policy rule puts queries into keys.
func (h *handler) invalidate(rq *request, rep *origin.ForwardReply) {
	targets := []string{rq.key}
	add := func(raw string) {
		k, err := cachekey.Normalize(nil, []byte(raw))
		if err != nil {
			return
		}
		if kq, err := h.withQuery(k, []byte(raw)); err == nil {
			k = kq
		}
		targets = append(targets, string(k))
	}
	for _, p := range rep.Related {
		add(p)
	}
	host := string(rq.ctx.Host())
	for _, name := range []string{"Location", "Content-Location"} {
		if u, err := url.Parse(rep.Header.Get(name)); err == nil && u.IsAbs() && host != "" && strings.EqualFold(u.Host, host) {
			add(u.RequestURI())
		}
	}
	for _, k := range targets {
		h.tiers.invalidate(k)
	}
}
