package origin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// ForwardRequest is a request with an unsafe method (POST, PUT, DELETE,
// PATCH) that an edge passes to the origin unchanged.
type ForwardRequest struct {
	Method string
	// Key is the target's normalized path, checked like a Fetch key.
	Key string
	// RawQuery is the target's query, as the client sent it (without
	// "?"): unlike cache keys, an unsafe request keeps its query.
	RawQuery string
	// Header holds the client's fields; hop-by-hop ones and Host are not
	// sent.
	Header http.Header
	// Body is the request content, already read and bounded by the
	// caller.
	Body []byte
}

// ForwardReply is the origin's answer to a ForwardRequest, whatever its
// status. The caller owns Body and must close it.
type ForwardReply struct {
	Status int
	// Header holds the origin's end-to-end fields.
	Header http.Header
	// Length is the body's length, -1 when not known.
	Length int64
	Body   io.ReadCloser
	// Related are the paths of this origin's namespace that the answer's
	// Location and Content-Location name (relative references, or
	// absolute ones under the origin's base URL), still percent-encoded
	// like request targets, with their query when they have one: a cache
	// normalizes them into keys and invalidates them with the target.
	Related []string
}

// Forwardable reports whether Forward passes method m on: any method
// token (RFC 9110 §9.1) but GET and HEAD (the cache's), OPTIONS, TRACE
// (it would echo the client's credentials back) and CONNECT (a tunnel).
// Methods it does not know are unsafe to a cache and passed on
// (RFC 9111 §4.4).
func Forwardable(m string) bool {
	switch m {
	case "", http.MethodGet, http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodConnect:
		return false
	}
	for i := 0; i < len(m); i++ {
		if c := m[i]; !(c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return true
}

// Forward sends an unsafe request to the origin and returns its answer.
// Redirects are not followed: the client gets them. Errors are classified
// like Fetch's (ErrUnreachable, ErrTimeout, ErrBadKey); any HTTP status,
// 5xx included, is an answer, not an error.
func (h *HTTP) Forward(ctx context.Context, req ForwardRequest) (*ForwardReply, error) {
	if !Forwardable(req.Method) {
		return nil, fmt.Errorf("origin: method %q is not forwarded: %w", req.Method, ErrBadKey)
	}
	if err := checkKey(req.Key); err != nil {
		return nil, err
	}
	if !validQuery(req.RawQuery) {
		return nil, fmt.Errorf("origin: query of %s: %w", req.Key, ErrBadKey)
	}
	ctx, cancel := context.WithCancelCause(ctx)
	rep, err := h.forward(ctx, cancel, req)
	if err != nil {
		cancel(nil)
	}
	return rep, err
}

func (h *HTTP) forward(ctx context.Context, cancel context.CancelCauseFunc, req ForwardRequest) (*ForwardReply, error) {
	target := h.base + escapeKey(req.Key)
	if req.RawQuery != "" {
		target += "?" + req.RawQuery
	}
	what := req.Method + " " + h.redacted + escapeKey(req.Key)
	hreq, err := http.NewRequestWithContext(ctx, req.Method, target, bytes.NewReader(req.Body))
	if err != nil {
		return nil, fmt.Errorf("origin: %s: %w: %w", what, ErrBadKey, err)
	}
	addForwarded(hreq.Header, req.Header)
	for _, k := range []string{"If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since", "If-Range", "Range"} {
		if v := req.Header.Values(k); len(v) > 0 {
			hreq.Header[k] = v // preconditions are the client's to make here
		}
	}
	if ua := req.Header.Get("User-Agent"); ua != "" {
		hreq.Header.Set("User-Agent", ua)
	} else {
		hreq.Header.Set("User-Agent", h.opts.UserAgent)
	}
	resp, err := h.noRedirect.Do(hreq)
	if err != nil {
		return nil, classify(ctx, what, err, ErrUnreachable)
	}
	return &ForwardReply{
		Status:  resp.StatusCode,
		Header:  endToEnd(resp.Header),
		Length:  resp.ContentLength,
		Body:    newRemoteBody(ctx, cancel, resp.Body, h.opts.IdleReadTimeout, what),
		Related: h.related(hreq.URL, resp.Header),
	}, nil
}

// validQuery accepts what may stand in a request line's query: visible
// ASCII but "#".
func validQuery(q string) bool {
	for i := 0; i < len(q); i++ {
		if c := q[i]; c <= ' ' || c >= 0x7f || c == '#' {
			return false
		}
	}
	return true
}

// related maps Location and Content-Location back to keys of this origin.
func (h *HTTP) related(reqURL *url.URL, hdr http.Header) []string {
	var out []string
	for _, name := range []string{"Location", "Content-Location"} {
		v := hdr.Get(name)
		if v == "" {
			continue
		}
		if k, ok := h.keyOf(reqURL, v); ok {
			out = append(out, k)
		}
	}
	return out
}

// keyOf resolves ref against the request's URL and returns the target
// it names (escaped path, and "?query" when it has one) when it is under
// the origin's base URL.
func (h *HTTP) keyOf(reqURL *url.URL, ref string) (string, bool) {
	u, err := reqURL.Parse(ref)
	if err != nil {
		return "", false
	}
	base, err := url.Parse(h.base)
	if err != nil || !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return "", false
	}
	prefix, p := strings.TrimSuffix(base.EscapedPath(), "/"), u.EscapedPath()
	if !strings.HasPrefix(p, prefix+"/") {
		return "", false
	}
	if u.RawQuery != "" {
		return p[len(prefix):] + "?" + u.RawQuery, true
	}
	return p[len(prefix):], true
}
