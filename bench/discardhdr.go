package bench

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"
)

// respHeader is what the discard client needs of a response header.
type respHeader struct {
	size   int   // bytes up to and including the blank line
	status int   // the final status
	length int64 // Content-Length
	close  bool  // Connection: close, or HTTP/1.0 without keep-alive
}

var crlf2 = []byte("\r\n\r\n")

// headerRead is how much one read of a header asks for: a typical
// response header (vodedge's, nginx's, Varnish's are 250–700 bytes), so
// the body bytes copied with it are few.
const headerRead = 1024

// readHeader reads until a final (non-1xx) response header is in c.buf
// and returns it with how many bytes of c.buf were read (the header and
// the start of the body). 1xx headers before it are consumed.
func (c *discardConn) readHeader() (respHeader, int, error) {
	n := 0
	for {
		end := bytes.Index(c.buf[:n], crlf2)
		if end < 0 {
			if n == len(c.buf) {
				return respHeader{}, 0, fmt.Errorf("response header larger than %d bytes", len(c.buf))
			}
			// The first read asks for little more than a header, so that
			// little of the body is copied; a larger header takes more.
			m, err := c.conn.Read(c.buf[n:min(len(c.buf), n+headerRead)])
			if err != nil {
				return respHeader{}, 0, err
			}
			n += m
			continue
		}
		h, err := parseRespHeader(c.buf[:end+4])
		if err != nil {
			return respHeader{}, 0, err
		}
		if h.status >= 200 {
			return h, n, nil
		}
		c.bytes += int64(h.size) // an informational response: the next follows
		n = copy(c.buf, c.buf[h.size:n])
	}
}

// parseRespHeader parses a response header ending in its blank line.
func parseRespHeader(b []byte) (respHeader, error) {
	h := respHeader{size: len(b), length: -1}
	line, rest, _ := bytes.Cut(b, []byte("\r\n"))
	proto, code, _ := bytes.Cut(line, []byte(" "))
	if len(code) > 3 {
		code = code[:3]
	}
	st, err := strconv.Atoi(string(code))
	if !bytes.HasPrefix(proto, []byte("HTTP/1.")) || err != nil || st < 100 || st > 999 {
		return h, fmt.Errorf("not an HTTP/1.x status line: %q", line)
	}
	h.status, h.close = st, string(proto) == "HTTP/1.0"
	for len(rest) > 0 {
		line, rest, _ = bytes.Cut(rest, []byte("\r\n"))
		k, v, ok := bytes.Cut(line, []byte(":"))
		if !ok {
			continue
		}
		if err := h.field(bytes.TrimSpace(k), bytes.TrimSpace(v)); err != nil {
			return h, err
		}
	}
	if h.length < 0 && (h.status >= 200 && h.status != 204 && h.status != 304) {
		return h, errors.New("response without Content-Length (the load client reads only sized bodies)")
	}
	if h.status < 200 || h.status == 204 || h.status == 304 {
		h.length = 0 // no body, whatever Content-Length says (RFC 9110 §8.6)
	}
	h.length = max(h.length, 0)
	return h, nil
}

func (h *respHeader) field(k, v []byte) error {
	switch {
	case bytes.EqualFold(k, []byte("Content-Length")):
		n, err := strconv.ParseInt(string(v), 10, 64)
		if err != nil || n < 0 {
			return fmt.Errorf("bad Content-Length %q", v)
		}
		h.length = n
	case bytes.EqualFold(k, []byte("Transfer-Encoding")):
		return fmt.Errorf("Transfer-Encoding %q: the load client reads only sized bodies", v)
	case bytes.EqualFold(k, []byte("Connection")):
		if bytes.EqualFold(v, []byte("close")) {
			h.close = true
		} else if bytes.EqualFold(v, []byte("keep-alive")) {
			h.close = false
		}
	}
	return nil
}
