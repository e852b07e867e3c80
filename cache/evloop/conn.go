package evloop

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/vodedge/vodedge/internal/rawsock"
)

// conn is one connection of a loop.
type conn struct {
	fd int
	a  *addrs
	// in is a partial request left over from the last read (own
	// storage); nil when there is none.
	in []byte
	// The response being written: the header's unsent rest (in whBuf)
	// and the body's; closeAfter ends the connection once they are out.
	wh, whBuf, wb []byte
	file          fileOut // a file body being sent, after wh
	closeAfter    bool
	// since is when the request under way began (its first bytes read),
	// or when the last response was done: what the read and idle
	// timeouts count from. wdl is when a response waiting for the socket
	// must be out (unix ns).
	since, wdl int64
}

func (c *conn) pendingOut() bool { return len(c.wh)+len(c.wb) > 0 || c.file.f != nil }

// step is where answering a connection's requests stopped.
type step uint8

const (
	more    step = iota // every whole request answered: read on
	blocked             // a response waits for EPOLLOUT
	gone                // closed or handed off
)

// serveReady answers the whole requests c has sent, reading until EAGAIN
// or a short read (the socket is edge-triggered); after a hang-up, until
// EAGAIN or the end (a short read may have left the FIN unread, and no
// edge would come for it). c has no response waiting to be written.
func (l *loop) serveReady(c *conn, hup bool) {
	b := append(l.scratch[:0], c.in...)
	drained := false
	for {
		st := l.answer(c, &b)
		if st == gone {
			return
		}
		if st == blocked || drained {
			c.keep(b)
			return
		}
		if len(b) == cap(b) { // a header block longer than MaxHeaderBytes
			l.handOff(c, b)
			return
		}
		n, errno := rawsock.Read(c.fd, b[len(b):cap(b)])
		switch errno {
		case 0:
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			c.keep(b)
			return
		default:
			l.close(c)
			return
		}
		if n == 0 { // the client is done; a partial request is dropped, as fasthttp does
			l.close(c)
			return
		}
		drained = !hup && n < cap(b)-len(b)
		if len(b) == 0 { // a new request's first bytes: its read timeout starts
			c.since = l.now
		}
		b = b[:len(b)+n]
	}
}

// keep stores b, the bytes not answered yet, in c's own storage.
func (c *conn) keep(b []byte) {
	if len(b) == 0 {
		c.in = nil
		return
	}
	c.in = append(c.in[:0], b...)
}

// answer answers the whole requests at the start of *b and leaves the
// rest there (moved to the start of the loop's scratch).
func (l *loop) answer(c *conn, b *[]byte) step {
	rest := *b
	st := more
	for st == more {
		end := headerEnd(rest)
		if end < 0 {
			break
		}
		switch v := l.serveOne(c, rest[:end]); {
		case v == HandOff:
			if f, ok := l.ctx.Response.BodyStream().(File); ok {
				f.Done(false) // set, then handed off: released unsent
			}
			l.handOff(c, rest)
			return gone
		default:
			rest = rest[end:]
			st = l.respond(c, v)
		}
	}
	*b = l.scratch[:copy(l.scratch, rest)]
	return st
}

// headerEnd returns the length of the header block at the start of b
// (through its empty line, CRLF or LF), or -1 when b does not hold it
// whole.
func headerEnd(b []byte) int {
	for i := 0; ; {
		j := bytes.IndexByte(b[i:], '\n')
		if j < 0 {
			return -1
		}
		i += j + 1
		switch {
		case i < len(b) && b[i] == '\n':
			return i + 1
		case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
			return i + 2
		}
	}
}

// serveOne parses the header block and asks the handler; HandOff when
// the loop does not answer this request.
func (l *loop) serveOne(c *conn, block []byte) Verdict {
	ctx := &l.ctx
	ctx.Request.Reset()
	ctx.Response.Reset()
	ctx.Init2(c.a, nopLogger{}, false)
	ctx.Response.Header.SetNoDefaultContentType(true)
	if !l.parse(block) {
		return HandOff
	}
	h := &ctx.Request.Header
	// No body: Content-Length 0, or neither it nor Transfer-Encoding
	// (-2, which fasthttp's server reads as no body in a request).
	bodyless := h.ContentLength() == 0 || h.ContentLength() == -2
	if !h.IsHTTP11() || !bodyless || !(h.IsGet() || h.IsHead()) {
		return HandOff
	}
	return l.s.deps.Handle(ctx)
}

// parse reads block into the context's request header; false unless
// fasthttp's parser took exactly the block.
func (l *loop) parse(block []byte) bool {
	l.sr.b = block
	l.br.Reset(&l.sr)
	err := l.ctx.Request.Header.Read(l.br)
	return err == nil && l.br.Buffered() == 0 && len(l.sr.b) == 0
}

// respond writes the response the handler left in the context, as
// fasthttp's server would frame it: header and body with one writev, or
// the header and then a File body with sendfile.
func (l *loop) respond(c *conn, v Verdict) step {
	ctx := &l.ctx
	resp := &ctx.Response
	var f File
	if resp.IsBodyStream() {
		var ok bool
		if f, ok = resp.BodyStream().(File); !ok {
			l.s.deps.Logger.Error("evloop: the handler set a body stream that is not a File; connection closed")
			resp.Reset()
			l.close(c)
			return gone
		}
	}
	status := resp.StatusCode()
	send := !ctx.IsHead() && !resp.SkipBody && status >= 200 && status != 204 && status != 304
	var body []byte
	if f == nil { // a File's Content-Length is set with it
		body = resp.Body()
		if send || len(body) > 0 {
			resp.Header.SetContentLength(len(body))
		}
		if !send {
			body = nil
		}
	}
	if len(resp.Header.Server()) == 0 && len(l.name) > 0 {
		resp.Header.SetServerBytes(l.name)
	}
	c.closeAfter = ctx.Request.Header.ConnectionClose() || resp.Header.ConnectionClose() || l.draining.Load()
	if c.closeAfter {
		resp.Header.SetConnectionClose()
	}
	l.hdr = resp.Header.AppendBytes(l.hdr[:0])
	l.s.served.Add(1)
	if f != nil {
		return l.respondFile(c, l.hdr, f, send)
	}
	return l.write(c, l.hdr, body, v == AnsweredStable)
}

// write sends header and body; what the socket does not take is kept
// in c (the body by reference when stable, else copied).
func (l *loop) write(c *conn, hdr, body []byte, stable bool) step {
	n, errno := rawsock.Writev(c.fd, [2][]byte{hdr, body})
	switch errno {
	case 0, syscall.EAGAIN, syscall.EINTR:
	default:
		l.close(c)
		return gone
	}
	n = max(n, 0)
	if n == len(hdr)+len(body) {
		return l.sent(c)
	}
	c.wdl = l.writeDeadline(len(hdr) + len(body) - n)
	if n < len(hdr) {
		c.whBuf = append(c.whBuf[:0], hdr[n:]...)
		c.wh, c.wb = c.whBuf, body
	} else {
		c.wh, c.wb = nil, body[n-len(hdr):]
	}
	if !stable && len(c.wb) > 0 {
		c.wb = bytes.Clone(c.wb)
	}
	return blocked
}

// writeDeadline is when n bytes that wait for the socket now must be
// out: WriteTimeout, plus n at MinRate.
func (l *loop) writeDeadline(n int) int64 {
	d := l.now + int64(l.s.cfg.WriteTimeout)
	if r := l.s.cfg.MinRate; r > 0 {
		d += int64(n) * int64(time.Second) / r
	}
	return d
}

// flush writes what c has unsent, once per EPOLLOUT (a short write means
// the socket is full again). It reports whether c is open with nothing
// left to write.
func (l *loop) flush(c *conn) bool {
	if c.file.f != nil {
		return l.sendFile(c) == more
	}
	n, errno := rawsock.Writev(c.fd, [2][]byte{c.wh, c.wb})
	switch errno {
	case 0, syscall.EAGAIN, syscall.EINTR:
	default:
		l.close(c)
		return false
	}
	if n > 0 {
		k := min(n, len(c.wh))
		c.wh, c.wb = c.wh[k:], c.wb[n-k:]
	}
	if c.pendingOut() {
		return false
	}
	c.wh, c.wb = nil, nil
	return l.sent(c) == more
}

// sent is the end of a response written whole: the connection closes
// when it was the last, else its idle time starts.
func (l *loop) sent(c *conn) step {
	if c.closeAfter {
		l.close(c)
		return gone
	}
	c.since = l.now
	return more
}

// handOff gives c, with buffered (the bytes read and not answered), to
// the fallback.
func (l *loop) handOff(c *conn, buffered []byte) {
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_DEL, c.fd, nil); err != nil {
		// Still in the set, its events would reach whatever reuses the
		// number: close it instead.
		l.s.deps.Logger.Warn("evloop: connection closed instead of handed off", "err", err)
		l.close(c)
		return
	}
	fd := c.fd
	l.forget(c)
	// fdConn closes fd, success or not.
	l.s.fallback(func() (net.Conn, error) { return fdConn(fd) }, bytes.Clone(buffered), c.a)
}

// sliceReader reads one header block, then io.EOF.
type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// nopLogger is the request context's logger: the loop logs through slog.
type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}
