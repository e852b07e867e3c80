package httprange

import (
	"errors"
	"io"
	"math"
)

// Errors returned by NewMultipart. They report a caller bug or bad origin
// metadata, not a bad request.
var (
	ErrBoundary    = errors.New("httprange: invalid multipart boundary")
	ErrContentType = errors.New("httprange: invalid part content type")
	ErrParts       = errors.New("httprange: invalid multipart ranges")
)

// MaxBoundaryLen is the longest multipart boundary (RFC 2046 §5.1.1).
const MaxBoundaryLen = 70

// Multipart frames a multipart/byteranges body (RFC 9110 §14.6) for a set of
// ranges of one representation. It computes the exact body length up front,
// so the body can be streamed with a Content-Length, and the header of each
// part. The body is, for each range i in order, AppendPartHeader(i) followed
// by the range's bytes, then AppendClosing.
//
// A Multipart retains the ranges slice: do not modify it while in use.
type Multipart struct {
	ranges      []Range
	size        int64
	contentType string
	boundary    string
	length      int64
}

// NewMultipart returns the framing of a body holding ranges (each within
// [0,size), at least one) of a representation of size bytes and type
// contentType (empty: no Content-Type line in the parts). The boundary must
// be 1 to MaxBoundaryLen bytes of ASCII letters, digits and "'+-._", which
// need no quoting in a Content-Type parameter.
func NewMultipart(ranges []Range, size int64, contentType, boundary string) (Multipart, error) {
	switch {
	case !validBoundary(boundary):
		return Multipart{}, ErrBoundary
	case !validFieldValue(contentType):
		return Multipart{}, ErrContentType
	case !validRanges(ranges, size):
		return Multipart{}, ErrParts
	}
	m := Multipart{ranges: ranges, size: size, contentType: contentType, boundary: boundary}
	length, ok := m.bodyLen()
	if !ok {
		return Multipart{}, ErrParts
	}
	m.length = length
	return m, nil
}

// Len returns the length of the whole body in bytes: its Content-Length.
func (m Multipart) Len() int64 { return m.length }

// Parts returns the number of parts.
func (m Multipart) Parts() int { return len(m.ranges) }

// Range returns the byte range carried by part i.
func (m Multipart) Range(i int) Range { return m.ranges[i] }

// AppendContentType appends the response Content-Type value,
// "multipart/byteranges; boundary=B", to dst.
func (m Multipart) AppendContentType(dst []byte) []byte {
	dst = append(dst, "multipart/byteranges; boundary="...)
	return append(dst, m.boundary...)
}

// AppendPartHeader appends the delimiter and header fields that precede the
// bytes of part i, 0 <= i < Parts(), to dst:
// "\r\n--B\r\nContent-Type: T\r\nContent-Range: bytes a-b/size\r\n\r\n".
func (m Multipart) AppendPartHeader(dst []byte, i int) []byte {
	dst = append(dst, "\r\n--"...)
	dst = append(dst, m.boundary...)
	dst = append(dst, "\r\n"...)
	if m.contentType != "" {
		dst = append(dst, "Content-Type: "...)
		dst = append(dst, m.contentType...)
		dst = append(dst, "\r\n"...)
	}
	dst = append(dst, "Content-Range: "...)
	dst = AppendContentRange(dst, m.ranges[i], m.size)
	return append(dst, "\r\n\r\n"...)
}

// AppendClosing appends the closing delimiter "\r\n--B--\r\n" to dst.
func (m Multipart) AppendClosing(dst []byte) []byte {
	dst = append(dst, "\r\n--"...)
	dst = append(dst, m.boundary...)
	return append(dst, "--\r\n"...)
}

// Copy writes the whole body to w, reading the ranges from src, which holds
// the representation. It returns the number of bytes written; a src shorter
// than a range is io.ErrUnexpectedEOF. It allocates (it is not for the
// single-range hot path); give it a buffered w.
func (m Multipart) Copy(w io.Writer, src io.ReaderAt) (int64, error) {
	buf := make([]byte, 0, 128+len(m.boundary)+len(m.contentType))
	var total int64
	for i, r := range m.ranges {
		buf = m.AppendPartHeader(buf[:0], i)
		n, err := copyPart(w, buf, io.NewSectionReader(src, r.Start, r.Length()))
		total += n
		if err != nil {
			return total, err
		}
	}
	n, err := w.Write(m.AppendClosing(buf[:0]))
	return total + int64(n), err
}

// copyPart writes hdr then all of body to w.
func copyPart(w io.Writer, hdr []byte, body *io.SectionReader) (int64, error) {
	n, err := w.Write(hdr)
	if err != nil {
		return int64(n), err
	}
	c, err := io.Copy(w, body)
	if err == nil && c < body.Size() {
		err = io.ErrUnexpectedEOF
	}
	return int64(n) + c, err
}

// bodyLen computes the body length; ok is false if it overflows an int64.
func (m Multipart) bodyLen() (n int64, ok bool) {
	fixed := int64(len("\r\n--\r\n")+len(m.boundary)) + int64(len("Content-Range: bytes -/\r\n\r\n")+digits(m.size))
	if m.contentType != "" {
		fixed += int64(len("Content-Type: \r\n") + len(m.contentType))
	}
	n = int64(len("\r\n----\r\n") + len(m.boundary))
	for _, r := range m.ranges {
		part := fixed + int64(digits(r.Start)+digits(r.End)) + r.Length()
		if part < 0 || n > math.MaxInt64-part {
			return 0, false
		}
		n += part
	}
	return n, true
}

// digits returns the number of decimal digits of n >= 0.
func digits(n int64) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

func validRanges(rs []Range, size int64) bool {
	if len(rs) == 0 {
		return false
	}
	for _, r := range rs {
		if r.Start < 0 || r.Start > r.End || r.End >= size {
			return false
		}
	}
	return true
}

func validBoundary(b string) bool {
	if len(b) == 0 || len(b) > MaxBoundaryLen {
		return false
	}
	for i := range len(b) {
		if !isBoundaryChar(b[i]) {
			return false
		}
	}
	return true
}

// isBoundaryChar reports whether c is both an RFC 2046 bchar and an RFC 9110
// tchar, so that the boundary needs no quoting.
func isBoundaryChar(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return c == '\'' || c == '+' || c == '-' || c == '.' || c == '_'
}

// validFieldValue reports whether v can be written as a header field value
// without injecting lines: no control characters other than HTAB.
func validFieldValue(v string) bool {
	for i := range len(v) {
		if c := v[i]; (c < ' ' && c != '\t') || c == 0x7f {
			return false
		}
	}
	return true
}
