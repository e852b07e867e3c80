package main

import (
	"bufio"
	"bytes"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"time"
	"unsafe"

	"github.com/valyala/fasthttp"
	"golang.org/x/sys/unix"
)

const (
	rbufSize   = 8192
	maxEvents  = 256
	etFlag     = unix.EPOLLET
	connEvents = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | etFlag
)

var (
	crlfcrlf   = []byte("\r\n\r\n")
	serverName = []byte("x")
	notFound   = []byte("not found")
	ctText     = []byte("text/plain; charset=utf-8")
)

var debug = os.Getenv("EVDEBUG") != ""

type conn struct {
	fd   int
	rbuf []byte
	off  int // start of unparsed bytes
	rn   int // end of valid bytes

	// pending (partially written) response
	wbuf       []byte // backing store for the header remainder
	wh         []byte // remaining header bytes (in wbuf)
	wb         []byte // remaining body bytes (cached object or ctx body)
	closeAfter bool

	ctx *fasthttp.RequestCtx // loopctx only, one per connection like fasthttp
}

func (c *conn) pending() bool { return len(c.wh) != 0 || len(c.wb) != 0 }

// sliceReader feeds exactly one request block to the shared bufio.Reader.
type sliceReader struct{ b []byte }

func (r *sliceReader) Read(p []byte) (int, error) {
	if len(r.b) == 0 {
		return 0, io.EOF
	}
	n := copy(p, r.b)
	r.b = r.b[n:]
	return n, nil
}

// fakeConn only provides addresses for RequestCtx.Init2.
type fakeConn struct{ net.Conn }

var (
	laddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1}
	raddr = &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 2}
)

func (fakeConn) LocalAddr() net.Addr              { return laddr }
func (fakeConn) RemoteAddr() net.Addr             { return raddr }
func (fakeConn) SetDeadline(time.Time) error      { return nil }
func (fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (fakeConn) SetWriteDeadline(time.Time) error { return nil }
func (fakeConn) Close() error                     { return nil }

type loop struct {
	epfd, lfd int
	withCtx   bool
	conns     []*conn
	free      []*conn
	events    [maxEvents]unix.EpollEvent
	iov       [2]unix.Iovec
	sr        sliceReader
	br        *bufio.Reader
	reqHdr    fasthttp.RequestHeader
	respHdr   fasthttp.ResponseHeader
	scratch   []byte
}

func runLoop(host string, port int, withCtx bool) error {
	runtime.LockOSThread()
	ip := net.ParseIP(host).To4()
	if ip == nil {
		log.Fatalf("bad host %q", host)
	}
	lfd, err := unix.Socket(unix.AF_INET, unix.SOCK_STREAM|unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return err
	}
	if err := unix.SetsockoptInt(lfd, unix.SOL_SOCKET, unix.SO_REUSEADDR, 1); err != nil {
		return err
	}
	sa := &unix.SockaddrInet4{Port: port}
	copy(sa.Addr[:], ip)
	if err := unix.Bind(lfd, sa); err != nil {
		return err
	}
	if err := unix.Listen(lfd, 4096); err != nil {
		return err
	}
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return err
	}
	// listen socket: level-triggered, accept until EAGAIN anyway
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, lfd, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(lfd)}); err != nil {
		return err
	}
	l := &loop{epfd: epfd, lfd: lfd, withCtx: withCtx, scratch: make([]byte, 0, 1024)}
	l.sr.b = nil
	l.br = bufio.NewReaderSize(&l.sr, rbufSize)
	l.run()
	return nil
}

func (l *loop) wait() int {
	// Poll without entering the scheduler first; block (a normal syscall, so the
	// runtime can hand the P away: GC, fasthttp's date ticker) only when idle.
	r, _, e := unix.RawSyscall6(unix.SYS_EPOLL_WAIT, uintptr(l.epfd),
		uintptr(unsafe.Pointer(&l.events[0])), maxEvents, 0, 0, 0)
	if e == 0 && r > 0 {
		return int(r)
	}
	for {
		n, err := unix.EpollWait(l.epfd, l.events[:], -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			log.Fatal("epoll_wait: ", err)
		}
		return n
	}
}

func (l *loop) run() {
	for {
		n := l.wait()
		for i := 0; i < n; i++ {
			ev := &l.events[i]
			fd := int(ev.Fd)
			if fd == l.lfd {
				l.acceptAll()
				continue
			}
			if fd >= len(l.conns) || l.conns[fd] == nil {
				continue
			}
			c := l.conns[fd]
			if ev.Events&(unix.EPOLLERR) != 0 {
				l.close(c)
				continue
			}
			wrote := false
			if c.pending() {
				if ev.Events&(unix.EPOLLOUT|unix.EPOLLHUP) == 0 {
					continue // nothing we can do until writable
				}
				if !l.flush(c) {
					l.close(c)
					continue
				}
				if c.pending() {
					continue
				}
				if c.closeAfter {
					l.close(c)
					continue
				}
				wrote = true
			}
			if wrote || ev.Events&(unix.EPOLLIN|unix.EPOLLRDHUP|unix.EPOLLHUP) != 0 {
				l.handle(c)
			}
		}
	}
}

func (l *loop) acceptAll() {
	for {
		nfd, _, err := unix.Accept4(l.lfd, unix.SOCK_NONBLOCK|unix.SOCK_CLOEXEC)
		if err != nil {
			if err == unix.EAGAIN || err == unix.ECONNABORTED || err == unix.EINTR {
				if err == unix.EAGAIN {
					return
				}
				continue
			}
			log.Print("accept4: ", err)
			return
		}
		unix.SetsockoptInt(nfd, unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
		var c *conn
		if k := len(l.free); k > 0 {
			c = l.free[k-1]
			l.free = l.free[:k-1]
		} else {
			c = &conn{rbuf: make([]byte, rbufSize)}
			if l.withCtx {
				c.ctx = new(fasthttp.RequestCtx)
			}
		}
		c.fd = nfd
		c.off, c.rn = 0, 0
		c.wh, c.wb, c.closeAfter = nil, nil, false
		if c.ctx != nil {
			c.ctx.Init2(fakeConn{}, nopLogger{}, false)
		}
		for nfd >= len(l.conns) {
			l.conns = append(l.conns, make([]*conn, len(l.conns)+64)...)
		}
		l.conns[nfd] = c
		if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, nfd, &unix.EpollEvent{Events: connEvents, Fd: int32(nfd)}); err != nil {
			log.Print("epoll_ctl: ", err)
			l.close(c)
		}
	}
}

func (l *loop) close(c *conn) {
	unix.RawSyscall(unix.SYS_CLOSE, uintptr(c.fd), 0, 0)
	l.conns[c.fd] = nil
	c.wh, c.wb = nil, nil
	if c.ctx != nil {
		c.ctx.Request.Reset()
		c.ctx.Response.Reset()
	}
	l.free = append(l.free, c)
}

// handle reads until EAGAIN or a short read, serving every complete request.
// Precondition: no pending write.
func (l *loop) handle(c *conn) {
	drained := false
	for {
		if !l.processBuffered(c) {
			return // closed, or a partial write is pending (EPOLLOUT resumes us)
		}
		if drained {
			return
		}
		if c.rn == len(c.rbuf) {
			l.close(c) // request header too large
			return
		}
		want := len(c.rbuf) - c.rn
		r, _, e := unix.RawSyscall(unix.SYS_READ, uintptr(c.fd),
			uintptr(unsafe.Pointer(&c.rbuf[c.rn])), uintptr(want))
		if e != 0 {
			if e == unix.EAGAIN || e == unix.EINTR {
				return
			}
			l.close(c)
			return
		}
		if r == 0 {
			l.close(c) // EOF
			return
		}
		c.rn += int(r)
		drained = int(r) < want
	}
}

// processBuffered serves all complete requests in c.rbuf. It returns false if
// the connection was closed or a response is still being written.
func (l *loop) processBuffered(c *conn) bool {
	for c.off < c.rn {
		b := c.rbuf[c.off:c.rn]
		end := bytes.Index(b, crlfcrlf)
		if end < 0 {
			break
		}
		n := end + 4
		var ok bool
		if l.withCtx {
			ok = l.serveCtx(c, b[:n])
		} else {
			ok = l.serve(c, b[:n])
		}
		c.off += n
		if !ok {
			l.close(c)
			return false
		}
		if c.pending() {
			l.compact(c)
			return false
		}
		if c.closeAfter {
			l.close(c)
			return false
		}
	}
	l.compact(c)
	return true
}

func (l *loop) compact(c *conn) {
	if c.off == 0 {
		return
	}
	k := copy(c.rbuf, c.rbuf[c.off:c.rn])
	c.off, c.rn = 0, k
}

// serve: fasthttp's RequestHeader parser + ResponseHeader serializer, no RequestCtx.
func (l *loop) serve(c *conn, req []byte) bool {
	l.sr.b = req
	l.br.Reset(&l.sr)
	h := &l.reqHdr
	if err := h.Read(l.br); err != nil {
		if debug {
			log.Printf("parse: %v", err)
		}
		return false
	}
	if cl := h.ContentLength(); cl > 0 || cl == -1 { // prototype: GET/HEAD without body only
		return false
	}
	uri := h.RequestURI()
	if i := bytes.IndexByte(uri, '?'); i >= 0 {
		uri = uri[:i]
	}
	rh := &l.respHdr
	rh.Reset()
	body, ok := cache[string(uri)]
	if ok {
		rh.SetContentTypeBytes(ctMP2T)
	} else {
		rh.SetStatusCode(fasthttp.StatusNotFound)
		rh.SetContentTypeBytes(ctText)
		body = notFound
	}
	rh.SetContentLength(len(body))
	rh.SetServerBytes(serverName)
	if h.ConnectionClose() || !h.IsHTTP11() {
		rh.SetConnectionClose()
		c.closeAfter = true
	}
	if h.IsHead() {
		body = nil
	}
	l.scratch = rh.AppendBytes(l.scratch[:0])
	return l.writev(c, l.scratch, body)
}

// serveCtx: a real RequestCtx and the same RequestHandler as -mode bare.
func (l *loop) serveCtx(c *conn, req []byte) bool {
	ctx := c.ctx
	ctx.Request.Reset()
	ctx.Response.Reset()
	l.sr.b = req
	l.br.Reset(&l.sr)
	if err := ctx.Request.Header.Read(l.br); err != nil {
		if debug {
			log.Printf("parse: %v", err)
		}
		return false
	}
	if cl := ctx.Request.Header.ContentLength(); cl > 0 || cl == -1 {
		return false
	}
	handler(ctx)
	if ctx.Request.Header.ConnectionClose() || !ctx.Request.Header.IsHTTP11() {
		ctx.Response.Header.SetConnectionClose()
		c.closeAfter = true
	}
	if len(ctx.Response.Header.Server()) == 0 {
		ctx.Response.Header.SetServerBytes(serverName)
	}
	body := ctx.Response.Body()
	ctx.Response.Header.SetContentLength(len(body))
	if ctx.IsHead() {
		body = nil
	}
	l.scratch = ctx.Response.Header.AppendBytes(l.scratch[:0])
	return l.writev(c, l.scratch, body)
}

func (l *loop) rawWritev(fd int, a, b []byte) (int, unix.Errno) {
	cnt := 0
	if len(a) > 0 {
		l.iov[cnt].Base = &a[0]
		l.iov[cnt].SetLen(len(a))
		cnt++
	}
	if len(b) > 0 {
		l.iov[cnt].Base = &b[0]
		l.iov[cnt].SetLen(len(b))
		cnt++
	}
	if cnt == 0 {
		return 0, 0
	}
	r, _, e := unix.RawSyscall(unix.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&l.iov[0])), uintptr(cnt))
	if e != 0 {
		if e == unix.EAGAIN || e == unix.EINTR {
			return 0, 0
		}
		return 0, e
	}
	return int(r), 0
}

// writev writes header+body; the rest of a partial write is kept in c.
func (l *loop) writev(c *conn, hdr, body []byte) bool {
	n, e := l.rawWritev(c.fd, hdr, body)
	if e != 0 {
		return false
	}
	if n == len(hdr)+len(body) {
		return true
	}
	if n < len(hdr) {
		c.wbuf = append(c.wbuf[:0], hdr[n:]...)
		c.wh = c.wbuf
		c.wb = body
	} else {
		c.wh = nil
		c.wb = body[n-len(hdr):]
	}
	return true
}

func (l *loop) flush(c *conn) bool {
	// One writev per EPOLLOUT: a short write means the socket buffer is full.
	n, e := l.rawWritev(c.fd, c.wh, c.wb)
	if e != 0 {
		return false
	}
	if n < len(c.wh) {
		c.wh = c.wh[n:]
		return true
	}
	n -= len(c.wh)
	c.wh = nil
	c.wb = c.wb[n:]
	if len(c.wb) == 0 {
		c.wb = nil
	}
	return true
}
