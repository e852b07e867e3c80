package cache

import (
	"io"
	"net"
	"os"
	"syscall"
	"time"

	"github.com/vodedge/vodedge/internal/rawsock"
)

// clientConn is a plain TCP connection accepted by one of the server's
// listeners (public and peer; TLS connections are not wrapped). fasthttp
// sees it as the net.Conn; below fasthttp it does three things.
//
// Deadlines are set lazily. fasthttp moves the read deadline twice and
// the write deadline once per keep-alive request (idle wait, ReadTimeout,
// WriteTimeout); each is a timer update in Go's poller, together 3.5 %
// of the CPU of a 16 KiB RAM hit (profile in cache/doc.go, "Small
// hits"). Here Set*Deadline only records the deadline wanted. It reaches
// the socket before the next read or write that could block, and only
// when the one there is earlier than wanted or later by more than a
// slack; what is armed is the wanted time plus that slack (a second, or
// an eighth of a shorter timeout). So a connection times out between its
// deadline and the slack after it, and one busy with requests re-arms
// about once a second rather than three times per request.
//
// A response header can be held back (holdHeader): fasthttp flushes it
// as usual, the connection keeps it, and the body sends header and body
// together: one writev for a body in memory (memBody), the header with
// MSG_MORE then sendfile for a disk hit (heldBody). Whatever else is
// written first sends the held header ahead of it, and a body closed
// unsent flushes it, so the byte order is fasthttp's whatever happens.
//
// Its reads, and the writes of a held header with its body, are raw
// syscalls made through the socket's RawConn (rawsys.go): Go's poller
// still waits for the socket and applies the deadlines, but the calls
// themselves skip the scheduler's entry and exit, which woke sysmon
// whenever the edge had been idle ("Disk hits", step 10, in doc.go).
//
// One goroutine at a time reads, writes and sets deadlines, as fasthttp's
// connection loop does; Close may come from any goroutine.
type clientConn struct {
	tcp    *net.TCPConn
	raw    syscall.RawConn // tcp's, for sendfile and sendmsg
	rd, wd lazyDeadline

	pre []byte // bytes read before (an event loop's), returned first
	// fromLoop: an event loop handed this connection off, and takes it
	// back after a response (handBack, bound once); noWait then ends
	// reading: a Read returns only pre.
	fromLoop, noWait bool
	handBack         func(net.Conn)
	hold             bool   // the next Write is a header to keep
	held             []byte // the header kept; nil when none
	heldBuf          []byte // held's storage, reused

	// The read or writev under way, for readTo and writevTo, which are
	// bound to the connection once (read, writev): a closure made per
	// call would go to the heap through RawConn.
	rbuf   []byte
	rn     int
	rerr   syscall.Errno
	read   func(fd uintptr) bool
	wvec   [2][]byte
	wn     int
	werr   syscall.Errno
	writev func(fd uintptr) bool

	// The body of the response under way, reused from one response to
	// the next: one at a time per connection.
	mem  memBody
	disk heldBody
}

// deadlineSlack is the most a deadline may fire later than asked, so
// that a busy connection need not move its timers on every request. A
// deadline less than 8 s away gets an eighth of its distance instead: a
// 300 ms ReadTimeout fires within 340 ms.
const deadlineSlack = time.Second

// lazyDeadline is one direction's deadline: the one fasthttp last asked
// for, and the one the socket has (with the slack it was given).
type lazyDeadline struct {
	want, armed time.Time // zero: none
	slack       time.Duration
}

// next returns the deadline to give the socket before I/O that could
// block, and false when the one it has will do.
func (d *lazyDeadline) next() (time.Time, bool) {
	if d.want.IsZero() {
		return time.Time{}, !d.armed.IsZero()
	}
	if !d.armed.IsZero() && !d.armed.Before(d.want) && d.armed.Sub(d.want) <= d.slack {
		return time.Time{}, false
	}
	d.slack = min(deadlineSlack, max(time.Until(d.want)/8, 0))
	return d.want.Add(d.slack), true
}

// clientListener wraps the plain TCP connections ln accepts.
type clientListener struct{ net.Listener }

func (ln clientListener) Accept() (net.Conn, error) {
	c, err := ln.Listener.Accept()
	if err != nil {
		return nil, err
	}
	return wrapConn(c), nil
}

// wrapConnBuffered is wrapConn for a connection of which pre was read
// already: its reads return pre first.
func wrapConnBuffered(c net.Conn, pre []byte) net.Conn {
	w := wrapConn(c)
	if len(pre) == 0 {
		return w
	}
	if cc, ok := w.(*clientConn); ok {
		cc.pre = pre
		return cc
	}
	return &preConn{Conn: w, pre: pre}
}

// preConn is a connection other than plain TCP with bytes read before.
type preConn struct {
	net.Conn
	pre []byte
}

func (c *preConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		return takePre(&c.pre, p), nil
	}
	return c.Conn.Read(p)
}

// takePre moves what it can of *pre into p.
func takePre(pre *[]byte, p []byte) int {
	n := copy(p, *pre)
	*pre = (*pre)[n:]
	if len(*pre) == 0 {
		*pre = nil
	}
	return n
}

// wrapConn returns c as a clientConn when it is plain TCP, else as it is.
func wrapConn(c net.Conn) net.Conn {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		return c
	}
	raw, err := tc.SyscallConn()
	if err != nil {
		return c
	}
	cc := &clientConn{tcp: tc, raw: raw}
	cc.read, cc.writev = cc.readTo, cc.writevTo
	return cc
}

// armRead and armWrite give the socket the direction's deadline when
// it needs it (lazyDeadline.next).
func (c *clientConn) armRead() error  { return c.arm(&c.rd, c.tcp.SetReadDeadline) }
func (c *clientConn) armWrite() error { return c.arm(&c.wd, c.tcp.SetWriteDeadline) }

func (c *clientConn) arm(d *lazyDeadline, set func(time.Time) error) error {
	t, ok := d.next()
	if !ok {
		return nil
	}
	if err := set(t); err != nil {
		return err
	}
	d.armed = t
	return nil
}

// Read reads with a raw read(2) (rawsys.go), waiting for the socket in
// Go's poller as net.TCPConn.Read does.
func (c *clientConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		return takePre(&c.pre, p), nil
	}
	if c.noWait {
		return 0, errHandedBack
	}
	if err := c.armRead(); err != nil {
		return 0, err
	}
	if len(p) == 0 {
		return 0, nil
	}
	c.rbuf, c.rn, c.rerr = p, 0, 0
	err := c.raw.Read(c.read)
	n, errno := c.rn, c.rerr
	c.rbuf = nil
	switch {
	case err != nil:
		return 0, err
	case errno != 0:
		return 0, c.opError("read", errno)
	case n == 0:
		return 0, io.EOF
	}
	return n, nil
}

// readTo reads into rbuf from the socket fd, false when there is
// nothing to read yet (EAGAIN: RawConn waits and calls again).
func (c *clientConn) readTo(fd uintptr) bool {
	for {
		n, errno := rawsock.Read(int(fd), c.rbuf)
		switch errno {
		case syscall.EINTR:
			continue
		case syscall.EAGAIN:
			return false
		}
		c.rn, c.rerr = max(n, 0), errno
		return true
	}
}

// opError is errno as net.TCPConn's Read and Write report theirs.
func (c *clientConn) opError(op string, errno syscall.Errno) error {
	return &net.OpError{Op: op, Net: "tcp", Source: c.tcp.LocalAddr(), Addr: c.tcp.RemoteAddr(), Err: os.NewSyscallError(op, errno)}
}

// Write writes p after the held header, or keeps p as the held header
// when one was asked for.
func (c *clientConn) Write(p []byte) (int, error) {
	if c.hold {
		c.hold = false
		if c.held == nil {
			c.held = c.heldBuf[:0]
		}
		c.held = append(c.held, p...)
		c.heldBuf = c.held
		return len(p), nil
	}
	if err := c.armWrite(); err != nil {
		return 0, err
	}
	if c.held != nil {
		return c.writeHeld(p)
	}
	return c.tcp.Write(p)
}

// ReadFrom sends r's bytes after the held header; for a file, the
// connection's ReadFrom uses sendfile(2).
func (c *clientConn) ReadFrom(r io.Reader) (int64, error) {
	if err := c.armWrite(); err != nil {
		return 0, err
	}
	if err := c.flushHeld(); err != nil {
		return 0, err
	}
	return c.tcp.ReadFrom(r)
}

// holdHeader keeps the next Write (fasthttp's flush of the response
// header) for the body to send.
func (c *clientConn) holdHeader() { c.hold = true }

// takeHeld returns the held header and forgets it.
func (c *clientConn) takeHeld() []byte {
	h := c.held
	c.held = nil
	return h
}

// writeHeld writes the held header and p in one writev; it returns how
// many of p's bytes went out.
func (c *clientConn) writeHeld(p []byte) (int, error) {
	h := c.takeHeld()
	c.wvec, c.wn, c.werr = [2][]byte{h, p}, 0, 0
	err := c.raw.Write(c.writev)
	n, errno := c.wn, c.werr
	c.wvec = [2][]byte{}
	if err == nil && errno != 0 {
		err = c.opError("write", errno)
	}
	return max(n-len(h), 0), err
}

// writevTo writes wvec to the socket fd with raw writev calls until it
// is out, an error, or the socket is full (EAGAIN: RawConn waits and
// calls again).
func (c *clientConn) writevTo(fd uintptr) bool {
	for len(c.wvec[0])+len(c.wvec[1]) > 0 {
		n, errno := rawsock.Writev(int(fd), c.wvec)
		if n > 0 {
			c.wn += n
			k := min(n, len(c.wvec[0]))
			c.wvec[0], c.wvec[1] = c.wvec[0][k:], c.wvec[1][n-k:]
		}
		switch errno {
		case 0, syscall.EINTR:
		case syscall.EAGAIN:
			return false
		default:
			c.werr = errno
			return true
		}
	}
	return true
}

// flushHeld writes the held header, if any.
func (c *clientConn) flushHeld() error {
	if c.held == nil {
		return nil
	}
	_, err := c.tcp.Write(c.takeHeld())
	return err
}

// release ends a held-header response: a header still held goes out on
// its own (the body was not sent: a HEAD, an error).
func (c *clientConn) release() error {
	c.hold = false
	if c.held == nil {
		return nil
	}
	if err := c.armWrite(); err != nil {
		return err
	}
	return c.flushHeld()
}

func (c *clientConn) Close() error                       { return c.tcp.Close() }
func (c *clientConn) LocalAddr() net.Addr                { return c.tcp.LocalAddr() }
func (c *clientConn) RemoteAddr() net.Addr               { return c.tcp.RemoteAddr() }
func (c *clientConn) SetReadDeadline(t time.Time) error  { c.rd.want = t; return nil }
func (c *clientConn) SetWriteDeadline(t time.Time) error { c.wd.want = t; return nil }

func (c *clientConn) SetDeadline(t time.Time) error {
	c.rd.want, c.wd.want = t, t
	return nil
}

// memBody is a response body in memory sent with its held header in one
// writev, as fasthttp's SetBodyRaw does on a bare *net.TCPConn.
type memBody struct {
	c    *clientConn
	data []byte
}

// memoryBody returns the connection's body for data and holds the header.
func (c *clientConn) memoryBody(data []byte) *memBody {
	c.mem = memBody{c: c, data: data}
	c.holdHeader()
	return &c.mem
}

// SupportsBodyWriteTo lets fasthttp call WriteTo instead of Read.
func (b *memBody) SupportsBodyWriteTo() bool { return true }

// WriteTo sends the held header and the body; w, fasthttp's writer, is
// empty (the header was flushed into the hold).
func (b *memBody) WriteTo(io.Writer) (int64, error) {
	data := b.data
	b.data = nil
	if err := b.c.armWrite(); err != nil {
		return 0, err
	}
	n, err := b.c.writeHeld(data)
	return int64(n), err
}

// Read is for readers other than fasthttp's writer (io.Reader
// conformance).
func (b *memBody) Read(p []byte) (int, error) {
	if len(b.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p, b.data)
	b.data = b.data[n:]
	return n, nil
}

// Close ends the response; fasthttp calls it once the body is written or
// dropped.
func (b *memBody) Close() error {
	b.data = nil
	return b.c.release()
}

// sendMore sends what is left of hdr with MSG_MORE when more is to
// follow (the kernel then fills segments with the body sent next, as
// TCP_CORK would, without two setsockopt calls per response). It returns
// what is still unsent.
func sendMore(fd int, hdr []byte, more bool) ([]byte, error) {
	flags := 0
	if more {
		flags = syscall.MSG_MORE
	}
	for len(hdr) > 0 {
		n, errno := rawsock.Send(fd, hdr, flags)
		if n > 0 {
			hdr = hdr[n:]
		}
		if errno != 0 && errno != syscall.EINTR {
			return hdr, errno
		}
	}
	return nil, nil
}
