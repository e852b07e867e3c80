package origin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/textproto"
	"net/url"
	"strings"
)

// HTTP is an origin reached over HTTP(S): any server that answers GET with
// Range (nginx, another vodedge, a packager). It is safe for concurrent
// use; Close releases its idle connections.
type HTTP struct {
	base     string // scheme://[user@]host[:port][/prefix], no trailing slash
	redacted string // base without a password, for errors and logs
	opts     HTTPOptions
	tr       *http.Transport
	client   *http.Client
	// noRedirect sends forwarded unsafe requests: their redirects are
	// the client's to follow.
	noRedirect *http.Client
}

// NewHTTP returns a client for the origin at base,
// "http(s)://host[:port][/prefix]". Key "/x/y" is fetched from
// base+"/x/y", each segment path-escaped. Redirects are followed (at most
// 10), so an origin may hand out, say, presigned S3 URLs.
func NewHTTP(base string, opts HTTPOptions) (*HTTP, error) {
	u, err := parseBase(base)
	if err != nil {
		return nil, err
	}
	if opts, err = opts.withDefaults(); err != nil {
		return nil, err
	}
	tr := newTransport(opts)
	return &HTTP{
		base:     strings.TrimSuffix(u.String(), "/"),
		redacted: strings.TrimSuffix(u.Redacted(), "/"),
		opts:     opts,
		tr:       tr,
		client:   &http.Client{Transport: tr},
		noRedirect: &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		}},
	}, nil
}

// parseBase checks an HTTP origin URL. A query or fragment would be
// silently dropped or mangled when keys are appended, so they are refused.
func parseBase(base string) (*url.URL, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("origin: HTTP origin %q: %w", base, err)
	}
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, fmt.Errorf("origin: HTTP origin %q: scheme must be http or https", u.Redacted())
	case u.Host == "" || u.Opaque != "":
		return nil, fmt.Errorf("origin: HTTP origin %q: want http(s)://host[:port][/prefix]", u.Redacted())
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return nil, fmt.Errorf("origin: HTTP origin %q: a query or fragment is not allowed", u.Redacted())
	}
	return u, nil
}

// String describes the origin for logs, without any password.
func (h *HTTP) String() string { return "http origin " + h.redacted }

// Close closes idle connections. Bodies still open keep working.
func (h *HTTP) Close() error {
	h.tr.CloseIdleConnections()
	return nil
}

// Fetch gets req from the origin; see Object for what is returned. The
// body is read under ctx: cancelling ctx aborts the request, even after
// Fetch has returned.
func (h *HTTP) Fetch(ctx context.Context, req Request) (*Object, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	obj, err := h.fetchOnce(ctx, req)
	if errors.Is(err, errNoCompleteLength) && !req.noRange && req.sized == nil {
		// A 206 of unknown complete length: the range again with the
		// size a HEAD gives, else the whole object, whose
		// Content-Length gives it, read from the offset on (reply.full).
		if req.sized = h.headSize(ctx, req); req.sized != nil {
			obj, err = h.fetchOnce(ctx, req)
		}
		if errors.Is(err, errNoCompleteLength) {
			req.sized, req.noRange = nil, true
			obj, err = h.fetchOnce(ctx, req)
		}
	}
	return obj, err
}

// headSize asks the origin for req's object with HEAD and returns its
// Meta when it has a size and a strong ETag (what ties that size to the
// bytes of a 206), else nil.
func (h *HTTP) headSize(ctx context.Context, req Request) *Meta {
	obj, err := h.fetchOnce(ctx, Request{Key: req.Key, Head: true, Header: req.Header, RawQuery: req.RawQuery})
	if err != nil {
		return nil
	}
	obj.Body.Close()
	m := obj.Meta
	if m.Status != http.StatusOK || m.Size < 0 || m.ETag == "" || strings.HasPrefix(m.ETag, "W/") {
		return nil
	}
	return &m
}

func (h *HTTP) fetchOnce(parent context.Context, req Request) (*Object, error) {
	ctx, cancel := context.WithCancelCause(parent)
	more := func(r Request) (*Object, error) { return h.Fetch(parent, r) }
	obj, err := h.fetch(ctx, cancel, req, more)
	if err != nil {
		cancel(nil)
	}
	return obj, err
}

func (h *HTTP) fetch(ctx context.Context, cancel context.CancelCauseFunc, req Request, more func(Request) (*Object, error)) (*Object, error) {
	path := escapeKey(req.Key)
	method := http.MethodGet
	if req.Head {
		method = http.MethodHead
	}
	what := method + " " + h.redacted + path
	target := h.base + path
	if req.RawQuery != "" {
		if !validQuery(req.RawQuery) {
			return nil, fmt.Errorf("origin: query of %s: %w", req.Key, ErrBadKey)
		}
		target += "?" + req.RawQuery
	}
	hreq, err := http.NewRequestWithContext(withHints(ctx, req.Hints), method, target, nil)
	if err != nil {
		return nil, fmt.Errorf("origin: %s: %w: %w", what, ErrBadKey, err)
	}
	addForwarded(hreq.Header, req.Header)
	hreq.Header.Set("User-Agent", h.opts.UserAgent)
	if !req.whole() && !req.Head && !req.noRange {
		hreq.Header.Set("Range", req.rangeHeader())
	}
	if req.IfNoneMatch != "" {
		hreq.Header.Set("If-None-Match", req.IfNoneMatch)
	}
	if !req.IfModifiedSince.IsZero() {
		hreq.Header.Set("If-Modified-Since", req.IfModifiedSince.UTC().Format(http.TimeFormat))
	}
	resp, err := h.client.Do(hreq)
	if err != nil {
		return nil, classify(ctx, what, err, ErrUnreachable)
	}
	body := newRemoteBody(ctx, cancel, resp.Body, h.opts.IdleReadTimeout, what)
	obj, err := answer(req, resp, body, what, more)
	if err != nil {
		body.Close()
	}
	return obj, err
}

// answer maps the response status onto an Object or a classified error.
func answer(req Request, resp *http.Response, body *remoteBody, what string, more func(Request) (*Object, error)) (*Object, error) {
	code := resp.StatusCode
	switch {
	case req.Head && code == http.StatusOK:
		return headAnswer(resp, body), nil
	case code == http.StatusOK || code == http.StatusPartialContent:
		return bytesAnswer(req, resp, body, what, more)
	case code == http.StatusNotModified && req.conditional():
		obj := notModified(req, headerMeta(resp.Header))
		obj.Header = endToEnd(resp.Header)
		body.Close()
		return obj, nil
	case code == http.StatusRequestedRangeNotSatisfiable:
		return unsatisfiable(req, resp, body, what)
	case req.AnyStatus && code >= 200 && code <= 999 && code != http.StatusNotModified:
		// A cache passes the origin's own answer on: 404 and 410 with
		// their page, a 503 with its Retry-After, a 599.
		return statusAnswer(req, resp, body, what)
	case code == http.StatusNotFound || code == http.StatusGone:
		return nil, &StatusError{What: what, Status: code, Header: endToEnd(resp.Header), Err: ErrNotFound}
	case code >= 500:
		return nil, &StatusError{What: what, Status: code, Header: endToEnd(resp.Header), Err: ErrUnreachable}
	default:
		return nil, fmt.Errorf("origin: %s: unexpected status %d: %w", what, code, ErrBadResponse)
	}
}

// bytesAnswer checks a 200 or 206 against req (reply.object). A
// multipart/byteranges 206 is read as its part holding the offset.
func bytesAnswer(req Request, resp *http.Response, body *remoteBody, what string, more func(Request) (*Object, error)) (*Object, error) {
	ranged := resp.StatusCode == http.StatusPartialContent
	if boundary, ok := byterangesBoundary(resp.Header); ranged && ok {
		part, err := parseByteranges(req, resp, body, boundary)
		if err != nil {
			return nil, err
		}
		body = part
	}
	r := &reply{what: what, meta: headerMeta(resp.Header), ranged: ranged, length: resp.ContentLength, body: body, more: more}
	r.meta.Status = http.StatusOK
	if ranged {
		cr, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil {
			return nil, fmt.Errorf("origin: %s: %w", what, err)
		}
		r.cr = cr
	}
	obj, err := r.object(req)
	if err == nil {
		obj.Header = endToEnd(resp.Header)
	}
	return obj, err
}

// statusAnswer reads the body of a status answer asked for with
// AnyStatus into memory: such bodies are short (a redirect, an error
// page) and a Range does not apply to them.
func statusAnswer(req Request, resp *http.Response, body *remoteBody, what string) (*Object, error) {
	if req.Head {
		body.Close()
		m := headerMeta(resp.Header)
		m.Status, m.Size = resp.StatusCode, max(resp.ContentLength, 0)
		return &Object{Meta: m, Body: http.NoBody, Header: endToEnd(resp.Header)}, nil
	}
	limit := req.Length
	if limit < 0 {
		limit = maxStatusBody
	}
	if resp.ContentLength > limit {
		return nil, fmt.Errorf("origin: %s: status %d with a %d-byte body (limit %d): %w", what, resp.StatusCode, resp.ContentLength, limit, ErrBadResponse)
	}
	data, err := io.ReadAll(io.LimitReader(body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, fmt.Errorf("origin: %s: status %d with a body over %d bytes: %w", what, resp.StatusCode, limit, ErrBadResponse)
	}
	body.Close()
	m := headerMeta(resp.Header)
	m.Status, m.Size = resp.StatusCode, int64(len(data))
	return &Object{Meta: m, Length: m.Size, Body: io.NopCloser(bytes.NewReader(data)), Header: endToEnd(resp.Header)}, nil
}

// withHints makes the request under ctx hand the origin's 103 interim
// responses to hints.
func withHints(ctx context.Context, hints func(http.Header)) context.Context {
	if hints == nil {
		return ctx
	}
	return httptrace.WithClientTrace(ctx, &httptrace.ClientTrace{
		Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
			if code == http.StatusEarlyHints {
				hints(http.Header(h).Clone())
			}
			return nil
		},
	})
}

// headAnswer is the Object of a 200 to a HEAD request: the fields and
// the size, no body.
func headAnswer(resp *http.Response, body *remoteBody) *Object {
	body.Close()
	m := headerMeta(resp.Header)
	m.Status, m.Size = http.StatusOK, max(resp.ContentLength, -1)
	return &Object{Meta: m, Body: http.NoBody, Header: endToEnd(resp.Header)}
}

// maxStatusBody bounds the body of a status answer to a whole-object
// request.
const maxStatusBody = 1 << 20

// unsatisfiable handles a 416. Its "Content-Range: bytes */N" gives the
// size (-1 when absent). Offset 0 of an empty object is no error for us: a
// range cannot be empty, so the origin had to refuse the one we sent.
func unsatisfiable(req Request, resp *http.Response, body *remoteBody, what string) (*Object, error) {
	size := int64(-1)
	if cr, err := parseContentRange(resp.Header.Get("Content-Range")); err == nil && cr.First < 0 {
		size = cr.Size
	}
	if size == 0 && req.Offset == 0 {
		r := &reply{what: what, meta: headerMeta(resp.Header), body: body}
		return r.finish(req, 0, 0), nil
	}
	return nil, &RangeError{Key: req.Key, Size: size}
}

// headerMeta reads the metadata headers. A Last-Modified that does not
// parse is treated as absent.
func headerMeta(h http.Header) Meta {
	m := Meta{ETag: h.Get("ETag"), ContentType: h.Get("Content-Type")}
	if t, err := http.ParseTime(h.Get("Last-Modified")); err == nil {
		m.LastModified = t
	}
	return m
}

// escapeKey path-escapes each segment of a checked key.
func escapeKey(key string) string {
	var b strings.Builder
	for seg := range strings.SplitSeq(key[1:], "/") {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(seg))
	}
	return b.String()
}
