package cache

import (
	"errors"
	"fmt"
	"io"
	"syscall"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/memfile"
	"github.com/vodedge/vodedge/internal/rawsock"
)

// heldBody is a disk hit's body sent with sendfile(2) from a descriptor
// the disk tier holds open (disktier.Held), at an explicit offset, so
// that responses share descriptors and a hit costs no open, seek or
// close. The connection holds the header fasthttp flushes
// (clientConn.holdHeader); WriteTo sends it with MSG_MORE and then the
// body straight to the socket, so header and body leave in full
// segments, as nginx's tcp_nopush does, rather than a small header
// segment and a body pushed as sendfile hands it over (what cost the
// receiving side the most: see cache/doc.go, "Disk hits"). A body of
// more than one sendfile call (sendfileChunk) is corked while it is
// sent, so that no call's tail leaves as a segment of its own. A RAM
// hit on a slice kept in a memfd (--ram-sendfile-min) is sent the same
// way from the memfd's own descriptor (memfdBody). It is the
// connection's own (clientConn.disk), reused from one response to the
// next.
type heldBody struct {
	conn   *clientConn
	held   disktier.Held // a disk hit's data file, or
	mem    *memfile.File // a RAM hit's memfd (memfdBody), held
	fd     int           // held's or mem's descriptor
	off, n int64         // the bytes to send, within the file

	// The send under way, for sendTo. send is sendTo bound to the
	// connection's heldBody, made once per connection: a closure made
	// per hit went to the heap through RawWrite.
	hdr    []byte
	sent   int64
	err    error
	corked bool
	send   func(fd uintptr) bool

	// raw sends the body in raw sendfile calls of up to rawChunk, for
	// a memfd's body and a disk body of more than one 64 KiB call whose
	// bytes are all in the page cache (sendHeld asks pageCached). Other
	// disk bodies go in sendfileChunk calls made through the scheduler,
	// so that one waiting for the disk gives up its P.
	raw bool
}

// diskBody returns the connection's body for bytes [off, off+n) of a
// held data file, sent in raw calls or not (heldBody.raw), and holds
// the header for it, as memoryBody does for bytes in memory.
func (c *clientConn) diskBody(held disktier.Held, off, n int64, raw bool) *heldBody {
	return c.fileBody(heldBody{held: held, fd: held.Fd(), off: off, n: n, raw: raw})
}

// memfdBody returns the connection's body for bytes [off, off+n) of a
// RAM-tier memfd the caller has held (memfile.File.Hold on fd), sent in
// raw calls: its pages are memory, never waiting for a disk (unless
// swapped out). The body releases the hold.
func (c *clientConn) memfdBody(mf *memfile.File, fd int, off, n int64) *heldBody {
	return c.fileBody(heldBody{mem: mf, fd: fd, off: off, n: n, raw: true})
}

// fileBody makes b the connection's body, keeping the connection's
// bound send, and holds the header for it.
func (c *clientConn) fileBody(b heldBody) *heldBody {
	send := c.disk.send
	c.disk = b
	c.disk.conn, c.disk.send = c, send
	if send == nil {
		c.disk.send = c.disk.sendTo
	}
	c.holdHeader()
	return &c.disk
}

// isTCP reports whether the client's connection is plain TCP, where a
// file can be sent with sendfile(2).
func isTCP(ctx *fasthttp.RequestCtx) bool {
	_, ok := ctx.Conn().(*clientConn)
	return ok
}

// SupportsBodyWriteTo lets fasthttp call WriteTo instead of Read.
func (b *heldBody) SupportsBodyWriteTo() bool { return true }

// WriteTo sends the held header and the body to the connection, the
// body with sendfile(2), waiting for the socket through Go's poller (the
// connection's write deadline applies). w, fasthttp's writer, is empty:
// the header was flushed into the hold.
func (b *heldBody) WriteTo(io.Writer) (int64, error) {
	if err := b.conn.armWrite(); err != nil {
		return 0, err
	}
	b.hdr, b.sent, b.err = b.conn.takeHeld(), 0, nil
	err := b.conn.raw.Write(b.send)
	if err == nil {
		err = b.err
	}
	b.hdr = nil
	if b.corked {
		b.corked = false
		if cerr := b.conn.raw.Control(func(fd uintptr) { _ = setCork(int(fd), false) }); err == nil {
			err = cerr
		}
	}
	if err != nil {
		return b.sent, fmt.Errorf("cache: sendfile: %w", err)
	}
	return b.sent, nil
}

// sendTo sends what is left of the header and the body on the socket
// fd, until done or the socket is full (EAGAIN: RawWrite waits for it
// and calls again).
func (b *heldBody) sendTo(fd uintptr) bool {
	if b.n > sendfileChunk && !b.corked {
		// More than one sendfile call: corked, so that the end of
		// each call's bytes waits for the next call's, rather than
		// leaving as a runt segment of its own.
		b.corked = setCork(int(fd), true) == nil
	}
	b.hdr, b.err = sendMore(int(fd), b.hdr, b.n > 0)
	if b.err == nil {
		b.sent, b.err = b.sendSome(int(fd), b.sent)
	}
	return !errors.Is(b.err, syscall.EAGAIN)
}

// sendfileChunk is the most one sendfile(2) call made through the
// scheduler is asked to send (the calls of a body not all in the page
// cache, and the one call of a body this short): what the kernel
// splices per round anyway (a pipe's 16 pages). A
// syscall that outlasts a tick of the runtime's sysmon (20 µs) loses its
// P to another thread; one call for a whole 2 MiB hit (about 600 µs on
// the 2-core loopback machine) did every time, so with the edge pinned
// to one CPU a dozen threads took turns sending bodies on it. In 64 KiB
// calls one thread keeps the P and sends one body after another, as
// nginx's worker does. The p99 of 2 MiB disk hits fell in both pinned
// A/Bs (142 against 188 ms, 103 against 132 ms); their throughput went
// 1.08× in one and 0.90× in the other, so that is not proven (see
// cache/doc.go, "Disk hits"). The extra syscalls cost about 6 µs per
// 2 MiB on the host of steps 1–8, and about 180 µs on the slower host
// of step 9, where syscalls cost more: hence rawChunk for bodies in the
// page cache. A body of more than one call is corked (sendTo): uncorked,
// each call's tail past the last full segment left as a runt of its own
// (loopback's segments are 65,483 bytes): 65 TCP segments per 2 MiB
// response, both directions (nstat), where nginx's took 49; corked, 48.
// 2 MiB disk hits went 1.10× the uncorked edge (cache/doc.go, "Disk
// hits", step 8).
const sendfileChunk = 64 << 10

// rawChunk is the most one raw sendfile call is asked to send: nginx's
// sendfile_max_chunk. Bodies whose bytes are all in the page cache go
// in calls this large, made without the scheduler (heldBody.raw). A
// 2 MiB disk hit's 32 calls through it had cost the server 1.7× what
// nginx's one call cost (420 against 250 µs per response on the 2-core
// loopback machine, perf stat of the two processes): the syscalls'
// entry and exit, and the runtime's around each. Raw, one call, the
// thread keeping its P: 240 µs (cache/doc.go, "Disk hits", step 9).
const rawChunk = 2 << 20

// sendSome sends from sent on until the body is out, the socket is full
// (EAGAIN) or an error; a file that ends early is evicted.
func (b *heldBody) sendSome(sock int, sent int64) (int64, error) {
	for sent < b.n {
		off := b.off + sent
		var k int
		var err error
		if b.raw {
			var errno syscall.Errno
			k, errno = rawsock.Sendfile(sock, b.fd, &off, int(min(b.n-sent, rawChunk)))
			err = errnoErr(errno)
		} else {
			k, err = syscall.Sendfile(sock, b.fd, &off, int(min(b.n-sent, sendfileChunk)))
		}
		if k > 0 {
			sent += int64(k)
		}
		switch {
		case errors.Is(err, syscall.EINTR):
		case err != nil:
			return sent, err
		case k == 0:
			b.short()
			return sent, fmt.Errorf("%w: data file ended at %d of %d bytes", io.ErrUnexpectedEOF, b.off+sent, b.off+b.n)
		}
	}
	return sent, nil
}

// Read is for readers other than fasthttp's writer (io.Reader
// conformance): it reads with pread, never moving the shared position.
func (b *heldBody) Read(p []byte) (int, error) {
	k, err := preadExtent(b.fd, p, &b.off, &b.n)
	if err == io.ErrUnexpectedEOF {
		b.short()
	}
	return k, err
}

// preadExtent reads into p from the bytes [*off, *off+*n) of fd with
// pread (the descriptor's shared position never moves), advancing the
// extent past what it read: io.EOF once it is empty,
// io.ErrUnexpectedEOF when the file ends before it.
func preadExtent(fd int, p []byte, off, n *int64) (int, error) {
	if *n <= 0 {
		return 0, io.EOF
	}
	k, err := syscall.Pread(fd, p[:min(int64(len(p)), *n)], *off)
	if k > 0 {
		*off += int64(k)
		*n -= int64(k)
	}
	if k == 0 && err == nil {
		return 0, io.ErrUnexpectedEOF
	}
	return max(k, 0), err
}

// Close releases the descriptor and ends the response on the
// connection; fasthttp calls it once the body is written, or the
// response dropped.
func (b *heldBody) Close() error {
	if b.mem != nil {
		b.mem.Release()
		b.mem = nil
	}
	b.held.Release()
	if b.conn == nil {
		return nil
	}
	return b.conn.release()
}

// short reports a file that ended before the bytes it should hold: a
// disk slice's is evicted (Held.Corrupt); a memfd is sealed against
// shrinking, so for it there is nothing to do but cut the response.
func (b *heldBody) short() {
	if b.mem == nil {
		b.held.Corrupt()
	}
}

// setCork sets or clears TCP_CORK; clearing it sends what it held.
func setCork(fd int, on bool) error {
	return errnoErr(rawsock.SetCork(fd, on))
}
