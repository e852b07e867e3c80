package evloop

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
	"golang.org/x/sys/unix"
)

const (
	maxEvents = 256
	// connEvents: edge-triggered, so a connection is read until EAGAIN
	// or a short read, and written until EAGAIN.
	connEvents = unix.EPOLLIN | unix.EPOLLOUT | unix.EPOLLRDHUP | unix.EPOLLET
	// yieldEvery is the longest a busy loop keeps its P.
	yieldEvery = time.Millisecond
	// sweepEvery is how often timeouts are checked (and how long a
	// blocked epoll_wait sleeps at most).
	sweepEvery = time.Second
)

// loop is one event loop: an epoll set, the connections in it (by fd),
// and what serving one request at a time needs, reused. Everything but
// the adoption queue and the stop flags belongs to the loop's goroutine.
type loop struct {
	s        *Server
	epfd, ev int // the epoll set; the eventfd that wakes it
	conns    []*conn
	events   [maxEvents]unix.EpollEvent

	// One request at a time: its context, a reader fed one header block,
	// the bytes read (a connection's own storage holds only a partial
	// request left over), the response header built.
	ctx     fasthttp.RequestCtx
	br      *bufio.Reader
	sr      sliceReader
	scratch []byte
	hdr     []byte
	name    []byte

	now, lastYield, lastSweep int64 // unix ns

	mu     sync.Mutex // protects queue, exited
	queue  []pending
	exited bool // the loop has ended: add closes what it is given

	draining atomic.Bool
	forced   atomic.Bool
	done     chan struct{}
}

// pending is a connection accepted (or resumed, with the bytes read
// from it and not answered) and not yet in the epoll set.
type pending struct {
	fd int
	a  *addrs
	in []byte
}

func newLoop(s *Server) (*loop, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("evloop: epoll_create1: %w", err)
	}
	ev, err := unix.Eventfd(0, unix.EFD_NONBLOCK|unix.EFD_CLOEXEC)
	if err != nil {
		_ = unix.Close(epfd)
		return nil, fmt.Errorf("evloop: eventfd: %w", err)
	}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, ev, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(ev)}); err != nil {
		_ = unix.Close(epfd)
		_ = unix.Close(ev)
		return nil, fmt.Errorf("evloop: epoll_ctl: %w", err)
	}
	l := &loop{s: s, epfd: epfd, ev: ev, done: make(chan struct{}), scratch: make([]byte, s.cfg.MaxHeaderBytes)}
	l.br = bufio.NewReaderSize(&l.sr, s.cfg.MaxHeaderBytes)
	l.name = []byte(s.cfg.Name)
	return l, nil
}

// add queues an accepted socket for the loop and wakes it; once the
// loop has ended (an accept that raced Shutdown) it closes the socket.
func (l *loop) add(p pending) {
	l.mu.Lock()
	if l.exited {
		l.mu.Unlock()
		l.closeQueued([]pending{p})
		return
	}
	l.queue = append(l.queue, p)
	if len(l.queue) == 1 {
		l.wakeLocked()
	}
	l.mu.Unlock()
}

// closeQueued closes sockets that never joined the epoll set.
func (l *loop) closeQueued(q []pending) {
	for _, p := range q {
		_ = unix.Close(p.fd)
		l.s.open.Add(-1)
		l.s.deps.Closed(p.a)
	}
}

// wake makes the loop's epoll_wait return, unless it has ended.
func (l *loop) wake() {
	l.mu.Lock()
	l.wakeLocked()
	l.mu.Unlock()
}

// wakeLocked is wake with l.mu held: the eventfd is closed under it.
func (l *loop) wakeLocked() {
	if l.exited {
		return
	}
	var one = [8]byte{1}
	_, _ = unix.Write(l.ev, one[:])
}

// stop asks the loop to drain, and to close everything once force is
// closed (nil: now).
func (l *loop) stop(force <-chan struct{}) {
	l.draining.Store(true)
	if force == nil {
		l.forced.Store(true)
	} else {
		go func() {
			select {
			case <-force:
				l.forced.Store(true)
				l.wake()
			case <-l.done:
			}
		}()
	}
	l.wake()
}

// run is the loop's goroutine. It is not locked to its thread: it
// keeps its P through the raw calls anyway, and a yield (Gosched) is
// then a goroutine switch rather than a hand-over between threads.
func (l *loop) run() {
	defer l.s.wg.Done()
	defer close(l.done)
	defer l.shut()
	l.tick()
	for {
		n := l.wait()
		l.tick()
		for i := range n {
			l.dispatch(&l.events[i])
		}
		if l.draining.Load() && l.drain() {
			return
		}
		l.housekeeping()
	}
}

// tick reads the clock once per batch of events.
func (l *loop) tick() { l.now = time.Now().UnixNano() }

// housekeeping sweeps timeouts once a second and lends the P to other
// goroutines at most every yieldEvery.
func (l *loop) housekeeping() {
	if l.now-l.lastSweep >= int64(sweepEvery) {
		l.lastSweep = l.now
		l.sweep()
	}
	if l.now-l.lastYield >= int64(yieldEvery) {
		l.lastYield = l.now
		runtime.Gosched()
	}
}

// wait returns the number of events ready: tried first without a
// timeout as a raw call, then, when nothing is ready, blocking through
// the scheduler for at most sweepEvery.
func (l *loop) wait() int {
	if n := rawEpollWait(l.epfd, l.events[:]); n > 0 {
		return n
	}
	for {
		n, err := unix.EpollWait(l.epfd, l.events[:], int(sweepEvery/time.Millisecond))
		if err == nil {
			return n
		}
		if err != unix.EINTR {
			l.s.deps.Logger.Error("evloop: epoll_wait", "err", err)
			time.Sleep(10 * time.Millisecond)
			return 0
		}
	}
}

// dispatch handles one event.
func (l *loop) dispatch(ev *unix.EpollEvent) {
	fd := int(ev.Fd)
	if fd == l.ev {
		l.adoptQueued()
		return
	}
	if fd >= len(l.conns) || l.conns[fd] == nil {
		return
	}
	c := l.conns[fd]
	if ev.Events&unix.EPOLLERR != 0 {
		l.close(c)
		return
	}
	if c.pendingOut() {
		if ev.Events&(unix.EPOLLOUT|unix.EPOLLHUP) == 0 || !l.flush(c) {
			return
		}
	}
	l.serveReady(c, ev.Events&(unix.EPOLLRDHUP|unix.EPOLLHUP) != 0)
}

// adoptQueued puts the queued sockets into the epoll set.
func (l *loop) adoptQueued() {
	var b [8]byte
	_, _ = unix.Read(l.ev, b[:])
	l.mu.Lock()
	q := l.queue
	l.queue = nil
	l.mu.Unlock()
	for _, p := range q {
		l.register(p)
	}
}

// register puts p's socket into the epoll set, and answers the bytes p
// brings.
func (l *loop) register(p pending) {
	fd := p.fd
	for fd >= len(l.conns) {
		l.conns = append(l.conns, make([]*conn, len(l.conns)+64)...)
	}
	c := &conn{fd: fd, a: p.a, since: l.now, in: p.in}
	l.conns[fd] = c
	if err := unix.EpollCtl(l.epfd, unix.EPOLL_CTL_ADD, fd, &unix.EpollEvent{Events: connEvents, Fd: int32(fd)}); err != nil {
		l.s.deps.Logger.Warn("evloop: epoll_ctl add", "err", err)
		l.close(c)
		return
	}
	if len(c.in) > 0 {
		// Requests a resumed connection brings are answered now: no
		// event may come for them (nothing more to read, and the socket
		// not writable while the client has not read the last answer).
		l.serveReady(c, false)
	}
}

// sweep closes connections past their timeout. A request header not
// whole within ReadTimeout goes to the fallback instead, which answers
// it as it answers its own slow headers (fasthttp's server: 408 once its
// ReadTimeout has passed too).
func (l *loop) sweep() {
	cfg := &l.s.cfg
	for _, c := range l.conns {
		if c == nil {
			continue
		}
		switch {
		case c.pendingOut():
			if l.now > c.wdl {
				l.close(c)
			}
		case len(c.in) > 0:
			if l.now-c.since > int64(cfg.ReadTimeout) {
				l.handOff(c, c.in)
			}
		case l.now-c.since > int64(cfg.IdleTimeout):
			l.close(c)
		}
	}
}

// drain closes what is idle while draining, and everything once forced;
// it reports whether the loop may end.
func (l *loop) drain() bool {
	l.adoptQueued()
	forced := l.forced.Load()
	open := 0
	for _, c := range l.conns {
		if c == nil {
			continue
		}
		if forced || !c.pendingOut() {
			l.close(c)
			continue
		}
		open++
	}
	return open == 0
}

// shut releases the loop's descriptors, and those queued for it.
func (l *loop) shut() {
	l.mu.Lock()
	l.exited = true
	q := l.queue
	l.queue = nil
	_ = unix.Close(l.ev)
	l.mu.Unlock()
	l.closeQueued(q)
	for _, c := range l.conns {
		if c != nil {
			l.close(c)
		}
	}
	_ = unix.Close(l.epfd)
}

// close closes c's socket and forgets it.
func (l *loop) close(c *conn) {
	_ = unix.Close(c.fd)
	l.forget(c)
	l.s.deps.Closed(c.a)
}

// forget drops c from the loop (its socket closed or handed off).
func (l *loop) forget(c *conn) {
	l.conns[c.fd] = nil
	if c.file.f != nil { // its socket is closed: no uncork
		c.file.f.Done(false)
	}
	c.wh, c.wb, c.in, c.file = nil, nil, nil, fileOut{}
	l.s.open.Add(-1)
}

// addrs is a connection's addresses, as a net.Conn whose I/O fails: what
// RequestCtx.Conn and the Closed hook see. The loop does the I/O.
type addrs struct{ local, remote net.Addr }

// errNoIO is what the I/O methods of addrs return.
var errNoIO = errors.New("evloop: the loop does this connection's I/O")

func (a *addrs) LocalAddr() net.Addr              { return a.local }
func (a *addrs) RemoteAddr() net.Addr             { return a.remote }
func (a *addrs) Read([]byte) (int, error)         { return 0, errNoIO }
func (a *addrs) Write([]byte) (int, error)        { return 0, errNoIO }
func (a *addrs) Close() error                     { return nil }
func (a *addrs) SetDeadline(time.Time) error      { return errNoIO }
func (a *addrs) SetReadDeadline(time.Time) error  { return errNoIO }
func (a *addrs) SetWriteDeadline(time.Time) error { return errNoIO }
