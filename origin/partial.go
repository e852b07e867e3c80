package origin

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// errNoCompleteLength marks a 206 whose Content-Range ends in "/*": the
// bytes are right but the object's size, which slicing and every answer
// a cache builds from the object need, is unknown.
var errNoCompleteLength = errors.New("Content-Range has no complete length")

// sizeFrom returns the size in sized (a HEAD's answer) for a 206 of
// unknown complete length whose meta carries the same strong ETag and
// whose range fits in that size; -1 otherwise.
func sizeFrom(sized *Meta, m Meta, cr contentRange) int64 {
	if sized == nil || m.ETag != sized.ETag || cr.Last >= sized.Size {
		return -1
	}
	return sized.Size
}

// maxParts bounds the requests one answer may take when the origin keeps
// sending less than asked: each continues where the last ended, so an
// origin sending a few bytes at a time cannot make one fetch a storm.
const maxParts = 16

// continued is the body of an answer whose 206 ended before the bytes
// asked for: it reads what came, then asks the origin for the rest (more)
// and reads that, and so on up to maxParts requests. Every later answer
// must be the same object (size and validators); one that is not fails
// the read with ErrBadResponse, so a reader never gets bytes of two
// versions.
type continued struct {
	cur  io.ReadCloser
	req  Request // the first request; later ones move its Offset
	meta Meta    // the first answer's, which later ones must match
	next int64   // the first byte cur does not hold
	end  int64   // one past the last byte the body owes
	more func(Request) (*Object, error)
}

func (c *continued) Read(p []byte) (int, error) {
	n, err := c.cur.Read(p)
	if err != io.EOF || c.next >= c.end {
		return n, err
	}
	if err := c.advance(); err != nil {
		return n, err
	}
	if n > 0 {
		return n, nil
	}
	return c.cur.Read(p)
}

// advance closes the part read to its end and asks for the rest.
func (c *continued) advance() error {
	c.cur.Close()
	c.cur = http.NoBody
	req := c.req
	req.Offset, req.Length = c.next, c.end-c.next
	req.IfNoneMatch, req.IfModifiedSince, req.Hints = "", time.Time{}, nil
	req.part++
	obj, err := c.more(req)
	if err != nil {
		return err
	}
	if why := c.differs(obj); why != "" {
		obj.Body.Close()
		return fmt.Errorf("origin: %s: the object changed between ranges (%s): %w", req.Key, why, ErrBadResponse)
	}
	c.cur, c.next = obj.Body, c.end
	return nil
}

// differs names what makes obj another object than the first answer's,
// or returns "".
func (c *continued) differs(obj *Object) string {
	m := obj.Meta
	switch {
	case m.Status != c.meta.Status:
		return fmt.Sprintf("status %d", m.Status)
	case m.Size != c.meta.Size:
		return fmt.Sprintf("size %d, was %d", m.Size, c.meta.Size)
	case m.ETag != c.meta.ETag:
		return fmt.Sprintf("ETag %s, was %s", m.ETag, c.meta.ETag)
	case !m.LastModified.Equal(c.meta.LastModified):
		return "Last-Modified"
	case obj.Offset != c.next || obj.Length != c.end-c.next:
		return fmt.Sprintf("bytes %d+%d, asked %d+%d", obj.Offset, obj.Length, c.next, c.end-c.next)
	}
	return ""
}

func (c *continued) Close() error { return c.cur.Close() }
