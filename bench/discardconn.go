package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"syscall"
	"time"
)

// discardConn is one connection of the discard client and its counts.
type discardConn struct {
	addr    string
	paths   []string
	next    int
	timeout time.Duration
	req     []byte // "GET " + path + reqTail
	reqTail []byte

	conn *net.TCPConn
	raw  syscall.RawConn
	buf  []byte // the header (and any body bytes read with it)
	sink []byte // recv's length with MSG_TRUNC; the kernel never writes it

	requests, bytes, non2xx int64
	errs                    SocketErrors
	firstErr                string
	hist                    latencyHist
}

// discardSink is how much of a body one recv drops.
const discardSink = 1 << 20

func newDiscardConn(addr, host string, paths []string, first int, timeout time.Duration) *discardConn {
	return &discardConn{
		addr: addr, paths: paths, next: first, timeout: timeout,
		reqTail: []byte(" HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: vodedge-bench-load\r\n\r\n"),
		buf:     make([]byte, discardHeaderMax),
		sink:    make([]byte, discardSink),
	}
}

// run asks for paths until end (or ctx is done), replacing the
// connection after any error.
func (c *discardConn) run(ctx context.Context, end time.Time) {
	defer c.hangUp()
	for ctx.Err() == nil && time.Now().Before(end) {
		if c.conn == nil {
			if err := c.dial(); err != nil {
				c.errs.Connect++
				c.note(err)
				pause(ctx, 10*time.Millisecond) // a refused connect must not spin
				continue
			}
		}
		start := time.Now()
		keep, err := c.exchange(start.Add(c.timeout))
		if err != nil {
			c.countError(err)
			c.hangUp()
			continue
		}
		c.hist.add(time.Since(start))
		c.requests++
		if !keep {
			c.hangUp()
		}
	}
}

func (c *discardConn) dial() error {
	conn, err := net.DialTimeout("tcp", c.addr, c.timeout)
	if err != nil {
		return err
	}
	tc := conn.(*net.TCPConn)
	raw, err := tc.SyscallConn()
	if err != nil {
		tc.Close()
		return err
	}
	c.conn, c.raw = tc, raw
	return nil
}

// note keeps the first error's cause.
func (c *discardConn) note(err error) {
	if c.firstErr == "" {
		c.firstErr = err.Error()
	}
}

func (c *discardConn) hangUp() {
	if c.conn != nil {
		c.conn.Close()
		c.conn, c.raw = nil, nil
	}
}

// errWrite marks a failed request write (wrk's "write" socket errors;
// one that timed out counts as a timeout).
type errWrite struct{ error }

func (e errWrite) Unwrap() error { return e.error }

func (c *discardConn) countError(err error) {
	c.note(err)
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout(), errors.Is(err, os.ErrDeadlineExceeded):
		c.errs.Timeout++
	case errors.As(err, new(errWrite)):
		c.errs.Write++
	default:
		c.errs.Read++
	}
}

// exchange sends the next request and takes its response, by deadline;
// keep is false when the server closes the connection after it.
func (c *discardConn) exchange(deadline time.Time) (keep bool, err error) {
	if err := c.conn.SetDeadline(deadline); err != nil {
		return false, err
	}
	path := c.paths[c.next]
	c.next = (c.next + 1) % len(c.paths)
	c.req = append(append(append(c.req[:0], "GET "...), path...), c.reqTail...)
	if _, err := c.conn.Write(c.req); err != nil {
		return false, errWrite{err}
	}
	h, n, err := c.readHeader()
	if err != nil {
		return false, fmt.Errorf("%s: %w", path, err)
	}
	left := h.length - int64(n-h.size)
	if left < 0 {
		return false, fmt.Errorf("%s: %d bytes after a %d-byte body", path, -left, h.length)
	}
	if err := c.drop(left); err != nil {
		return false, fmt.Errorf("%s: body: %w", path, err)
	}
	c.bytes += int64(h.size) + h.length // counted once the body is in
	if h.status >= 400 || h.status < 200 {
		c.non2xx++
	}
	return !h.close, nil
}

// drop has the kernel discard the next n bytes of the connection.
func (c *discardConn) drop(n int64) error {
	var rerr error
	for n > 0 && rerr == nil {
		err := c.raw.Read(func(fd uintptr) bool {
			m, _, e := syscall.Recvfrom(int(fd), c.sink[:min(n, discardSink)], syscall.MSG_TRUNC|syscall.MSG_DONTWAIT)
			switch {
			case e == syscall.EAGAIN:
				return false
			case e != nil:
				rerr = e
			case m == 0:
				rerr = errors.New("connection closed before the body's end")
			default:
				n -= int64(m)
			}
			return true
		})
		if err != nil {
			return err
		}
	}
	return rerr
}

// pause waits d, or until ctx is done.
func pause(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	}
}
