package steering

import (
	"bytes"
	"net/netip"
	"strconv"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/internal/urlsign"
)

// answer is a request's reusable state.
type answer struct {
	d    Decision
	body []byte
}

func newAnswer() any { return &answer{body: make([]byte, 0, 2048)} }

// Handler is the public listener's handler:
//
//	GET /v1/steer?file=PATH[&file=PATH…]   JSON: ranked URLs per file
//	GET /v1/site                           JSON: the client's site
//	GET PATH                               302 to the first URL for PATH
func (s *Service) Handler() fasthttp.RequestHandler { return s.serve }

func (s *Service) serve(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		s.fail(ctx, "other", fasthttp.StatusMethodNotAllowed, "method not allowed: use GET")
		return
	}
	path := ctx.Request.Header.RequestURI()
	if i := bytes.IndexAny(path, "?#"); i >= 0 {
		path = path[:i]
	}
	ctx.Response.Header.Set("Cache-Control", "no-store") // answers follow health and load
	if len(ctx.Request.Header.Peek("Origin")) > 0 {
		// Browser players (hls.js pages) on other origins read the answer.
		ctx.Response.Header.Set("Access-Control-Allow-Origin", "*")
	}
	switch {
	case string(path) == "/v1/steer":
		s.serveJSON(ctx)
	case string(path) == "/v1/site":
		s.serveSite(ctx)
	case bytes.HasPrefix(path, []byte("/v1/")):
		s.fail(ctx, "other", fasthttp.StatusNotFound, "not found: the API is GET /v1/steer?file=PATH and GET /v1/site; any other path is redirected")
	default:
		s.serveRedirect(ctx, path)
	}
}

// client is the address to decide for.
func (s *Service) client(ctx *fasthttp.RequestCtx) netip.Addr {
	peer, _ := netip.AddrFromSlice(ctx.RemoteIP())
	if len(s.engine.cfg.TrustedProxies) == 0 {
		return peer.Unmap()
	}
	return clientAddr(peer, ctx.Request.Header.PeekAll("X-Forwarded-For"), s.engine.cfg.TrustedProxies)
}

// decide makes, counts and logs one decision.
func (s *Service) decide(addr netip.Addr, file string, d *Decision) {
	start := s.now()
	s.engine.Decide(addr, file, d)
	end := s.now()
	s.m.latency.Observe(end.Sub(start).Seconds())
	s.m.decided(d)
	s.dlog.record(d, end)
}

func (s *Service) serveJSON(ctx *fasthttp.RequestCtx) {
	a := s.answers.Get().(*answer)
	defer s.answers.Put(a)
	addr := s.client(ctx)
	b := append(a.body[:0], `{"client":`...)
	b = appendString(b, addr.String())
	b = append(b, `,"answers":[`...)
	n, status := 0, fasthttp.StatusOK
	for key, v := range ctx.QueryArgs().All() {
		if string(key) != "file" {
			continue
		}
		if n++; n > s.engine.cfg.MaxFiles {
			s.fail(ctx, "json", fasthttp.StatusBadRequest, "too many files: at most "+strconv.Itoa(s.engine.cfg.MaxFiles)+" per request")
			return
		}
		file := string(v)
		if !urlsign.ValidPath(file) {
			s.fail(ctx, "json", fasthttp.StatusBadRequest, "file "+strconv.Quote(file)+": want an absolute URL path of letters, digits, /._-~ and the like, without dot segments, %-escapes or //")
			return
		}
		s.decide(addr, file, &a.d)
		if n > 1 {
			b = append(b, ',')
		}
		b = appendAnswer(b, &a.d)
		if s.content != nil && s.content.Restoring(file) {
			b = append(b[:len(b)-1], `,"restoring":true,"retry_after":`...)
			b = append(strconv.AppendInt(b, restoreRetryAfter, 10), '}')
		}
		if a.d.Outcome == OutcomeNone {
			status = fasthttp.StatusServiceUnavailable
		}
	}
	if n == 0 {
		s.fail(ctx, "json", fasthttp.StatusBadRequest, "no file: GET /v1/steer?file=/titles/ID/master.m3u8")
		return
	}
	b = append(b, "]}\n"...)
	a.body = b
	ctx.SetStatusCode(status)
	ctx.SetContentType("application/json")
	ctx.SetBody(b) // copies: the answer goes back to the pool
	s.m.requests.WithLabelValues("json", strconv.Itoa(status)).Inc()
}

func (s *Service) serveRedirect(ctx *fasthttp.RequestCtx, path []byte) {
	file := string(path)
	if !urlsign.ValidPath(file) {
		s.fail(ctx, "redirect", fasthttp.StatusBadRequest, "bad path: want an absolute URL path of letters, digits, /._-~ and the like, without dot segments, %-escapes or //")
		return
	}
	a := s.answers.Get().(*answer)
	defer s.answers.Put(a)
	s.decide(s.client(ctx), file, &a.d)
	if len(a.d.Candidates) == 0 {
		s.fail(ctx, "redirect", fasthttp.StatusServiceUnavailable, "no node can serve this file and no origin is configured")
		return
	}
	ctx.Response.Header.SetBytesV("Location", a.d.URL(0))
	ctx.SetStatusCode(fasthttp.StatusFound)
	s.m.requests.WithLabelValues("redirect", "302").Inc()
}

// fail answers an error: JSON on the JSON endpoint, a line of text
// elsewhere. Every error the handler answers goes through here.
func (s *Service) fail(ctx *fasthttp.RequestCtx, mode string, status int, msg string) {
	ctx.ResetBody()
	ctx.SetStatusCode(status)
	if mode == "json" {
		ctx.SetContentType("application/json")
		ctx.SetBody(append(appendString([]byte(`{"error":`), msg), "}\n"...))
	} else {
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString(msg + "\n")
	}
	s.m.requests.WithLabelValues(mode, strconv.Itoa(status)).Inc()
}
