package origin

import "fmt"

// reply is a successful answer from an HTTP or S3 origin before it is
// checked against the request. Both clients share these checks so that
// they agree on what an origin may get away with.
type reply struct {
	what   string // "GET url", for errors
	meta   Meta   // Size is filled in by object
	ranged bool   // a 206: the body holds the bytes cr names
	cr     contentRange
	length int64 // the body's Content-Length; -1 when not sent
	body   *remoteBody
	// more fetches the rest of a 206 shorter than asked; nil where the
	// client cannot (the answer is then ErrBadResponse).
	more func(Request) (*Object, error)
}

// object checks the reply against req and returns the Object to hand out.
// On error the caller closes the body.
func (r *reply) object(req Request) (*Object, error) {
	if r.ranged {
		return r.partial(req)
	}
	return r.full(req)
}

// partial handles a 206. The range must hold the offset we asked for
// (an origin that sends other bytes would poison the cache): a range
// starting earlier (an origin that rounds ranges to its own blocks; RFC
// 9110 §15.3.7 lets it send what it has) has its leading bytes read and
// dropped, extra bytes at the end are left unread. A range that ends
// before the bytes we need is used for what it holds and the rest is
// asked for with further ranges (partial.go). A 206 without a complete
// length takes the size a HEAD gave (req.sized) when both carry the same
// strong ETag; otherwise it is errNoCompleteLength: the HTTP client asks
// again without Range.
func (r *reply) partial(req Request) (*Object, error) {
	cr := r.cr
	if cr.Size < 0 {
		cr.Size = sizeFrom(req.sized, r.meta, cr)
	}
	switch {
	case cr.Size < 0:
		return nil, fmt.Errorf("origin: %s: %w: %w", r.what, errNoCompleteLength, ErrBadResponse)
	case cr.First > req.Offset || cr.Last < req.Offset:
		return nil, r.bad(fmt.Sprintf("range %d-%d does not hold offset %d", cr.First, cr.Last, req.Offset))
	case r.length >= 0 && r.length != cr.Last-cr.First+1:
		return nil, r.bad(fmt.Sprintf("Content-Length %d for a %d-byte range", r.length, cr.Last-cr.First+1))
	}
	n, err := req.span(cr.Size)
	if err != nil {
		return nil, err
	}
	sent := cr.Last - req.Offset + 1
	if sent < n && (r.more == nil || req.part+1 >= maxParts) {
		return nil, r.bad(fmt.Sprintf("sent %d bytes from offset %d, asked for %d", sent, req.Offset, n))
	}
	if err := r.body.discard(req.Offset - cr.First); err != nil {
		return nil, err
	}
	obj := r.finish(req, cr.Size, n)
	if sent < n {
		r.body.left = sent
		obj.Body = &continued{cur: r.body, req: req, meta: obj.Meta, next: req.Offset + sent, end: req.Offset + n, more: r.more}
	}
	return obj, nil
}

// full handles a 200: the origin sent the whole object, either because we
// asked for it or because it ignores Range, in which case the bytes before
// the offset are read and dropped. Without a Content-Length the size is
// unknown: that is acceptable only when the whole object was asked for, and
// the Object then has Size and Length -1 (its body runs to EOF).
func (r *reply) full(req Request) (*Object, error) {
	size := r.length
	if size < 0 {
		if !req.whole() {
			return nil, r.bad("200 without Content-Length to a range request")
		}
		return r.finish(req, -1, -1), nil
	}
	n, err := req.span(size)
	if err != nil {
		return nil, err
	}
	if err := r.body.discard(req.Offset); err != nil {
		return nil, err
	}
	return r.finish(req, size, n), nil
}

func (r *reply) finish(req Request, size, n int64) *Object {
	r.meta.Size = size
	r.body.left = n
	return &Object{Meta: r.meta, Offset: req.Offset, Length: n, Body: r.body}
}

func (r *reply) bad(why string) error {
	return fmt.Errorf("origin: %s: %s: %w", r.what, why, ErrBadResponse)
}
