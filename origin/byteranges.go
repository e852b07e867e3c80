package origin

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
)

// maxByterangeParts bounds the parts of a multipart/byteranges answer
// read while looking for the one that holds the offset asked.
const maxByterangeParts = 64

// byterangesBoundary returns the boundary of a multipart/byteranges
// Content-Type, and false for any other type.
func byterangesBoundary(h http.Header) (string, bool) {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/byteranges" || params["boundary"] == "" {
		return "", false
	}
	return params["boundary"], true
}

// parseByteranges reads a multipart/byteranges 206 (RFC 9110 §14.6),
// which an origin may send even for the single range we asked (RFC 9110
// §15.3.7.2 lets a server coalesce or reorder), up to the first part
// whose Content-Range holds req.Offset. It returns a body reading that part
// only, and makes resp look like the single-part 206 of those bytes:
// the part's Content-Range and Content-Type, no Content-Length. Parts
// are read raw: byteranges carry no transfer encoding.
func parseByteranges(req Request, resp *http.Response, body *remoteBody, boundary string) (*remoteBody, error) {
	mr := multipart.NewReader(body, boundary)
	for range maxByterangeParts {
		p, err := mr.NextRawPart()
		if err != nil {
			return nil, partError(body.what, err)
		}
		cr, err := parseContentRange(p.Header.Get("Content-Range"))
		if err != nil {
			return nil, fmt.Errorf("origin: %s: a part of multipart/byteranges: %w", body.what, err)
		}
		if cr.First < 0 || cr.First > req.Offset || cr.Last < req.Offset {
			continue
		}
		resp.Header.Set("Content-Range", p.Header.Get("Content-Range"))
		resp.Header.Del("Content-Type")
		if ct := p.Header.Get("Content-Type"); ct != "" {
			resp.Header.Set("Content-Type", ct)
		}
		resp.ContentLength = -1
		return &remoteBody{rc: partBody{p, body}, ctx: body.ctx, cancel: body.cancel, what: body.what, left: -1}, nil
	}
	return nil, fmt.Errorf("origin: %s: multipart/byteranges: more than %d parts: %w", body.what, maxByterangeParts, ErrBadResponse)
}

// partError classifies an error met while looking for a part: the
// body's own (a timeout, a cut) as it is, the rest as a bad answer.
func partError(what string, err error) error {
	switch {
	case err == io.EOF:
		return fmt.Errorf("origin: %s: no part of multipart/byteranges holds the offset asked: %w", what, ErrBadResponse)
	case errors.Is(err, ErrBadResponse) || errors.Is(err, ErrTimeout):
		return err
	}
	return fmt.Errorf("origin: %s: multipart/byteranges: %w: %w", what, ErrBadResponse, err)
}

// partBody reads one part and closes the whole answer.
type partBody struct {
	io.Reader
	all io.Closer
}

func (p partBody) Close() error { return p.all.Close() }
