package evloop

import (
	"syscall"

	"github.com/vodedge/vodedge/internal/rawsock"
)

// File is a response body the loop sends with sendfile(2): a handler
// sets it with ctx.Response.SetBodyStream(f, n) and returns Answered.
// Its bytes must all be in the page cache: the loop's sendfile calls are
// raw, and one that waits for a disk stalls every connection of the
// loop. It must not be an io.Closer, which fasthttp would close when the
// context is reset; the loop calls Done once, when the body is out or
// the connection ends first. Read is for fasthttp's own writer, should
// the body reach one.
type File interface {
	Read(p []byte) (int, error)
	// Extent is the file's descriptor and the bytes to send, [off,
	// off+n), n being the Content-Length the handler set.
	Extent() (fd int, off, n int64)
	// Done releases the file; short says it ended before off+n, and the
	// response was cut (the connection closed).
	Done(short bool)
}

// fileChunk is the most one sendfile call sends: nginx's
// sendfile_max_chunk.
const fileChunk = 2 << 20

// corkAbove is the body length above which the socket is corked while a
// file is sent: more than one sendfile call's worth (what the kernel
// splices per round), each call's tail would otherwise leave as a short
// segment of its own (cache/sendfile.go measured it).
const corkAbove = 64 << 10

// fileOut is a file body being sent on a connection.
type fileOut struct {
	f      File
	fd     int
	off, n int64 // what is left to send
	corked bool
}

// respondFile sends hdr, then f's bytes; what the socket does not take
// waits for EPOLLOUT. send false (HEAD, 304) releases f unsent.
func (l *loop) respondFile(c *conn, hdr []byte, f File, send bool) step {
	fd, off, n := f.Extent()
	if !send || n <= 0 {
		f.Done(false)
		return l.write(c, hdr, nil, false)
	}
	c.file = fileOut{f: f, fd: fd, off: off, n: n}
	if n > corkAbove {
		c.file.corked = rawsock.SetCork(c.fd, true) == 0
	}
	c.wh = hdr
	st := l.sendFile(c)
	if st == blocked {
		c.wdl = l.writeDeadline(len(c.wh) + int(c.file.n))
		c.whBuf = append(c.whBuf[:0], c.wh...) // hdr is the loop's
		c.wh = c.whBuf
	}
	return st
}

// sendFile sends what is left of c's header (with MSG_MORE: the body
// follows) and of its file, until done, the socket is full (blocked) or
// an error (the connection closed: gone).
func (l *loop) sendFile(c *conn) step {
	for len(c.wh) > 0 {
		k, errno := rawsock.Send(c.fd, c.wh, syscall.MSG_MORE)
		switch errno {
		case 0:
			c.wh = c.wh[k:]
		case syscall.EINTR:
		case syscall.EAGAIN:
			return blocked
		default:
			l.close(c)
			return gone
		}
	}
	fo := &c.file
	for fo.n > 0 {
		k, errno := rawsock.Sendfile(c.fd, fo.fd, &fo.off, int(min(fo.n, fileChunk)))
		switch {
		case errno == syscall.EINTR:
		case errno == syscall.EAGAIN:
			return blocked
		case errno != 0:
			l.close(c)
			return gone
		case k == 0: // the file ended early
			fo.f.Done(true)
			fo.f = nil
			l.close(c)
			return gone
		}
		fo.n -= int64(k)
	}
	l.fileDone(c)
	return l.sent(c)
}

// fileDone releases c's file body, sent or not, and uncorks the socket
// (which sends what the cork held).
func (l *loop) fileDone(c *conn) {
	fo := &c.file
	if fo.f != nil {
		fo.f.Done(false)
	}
	if fo.corked {
		_ = rawsock.SetCork(c.fd, false)
	}
	*fo = fileOut{}
	c.wh = nil
}
