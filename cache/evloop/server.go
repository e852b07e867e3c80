package evloop

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/valyala/fasthttp"
)

// Verdict is what a Handler did with a request.
type Verdict uint8

const (
	// HandOff: not answered. The connection goes to the fallback with this
	// request; the response in ctx is discarded.
	HandOff Verdict = iota
	// Answered: ctx holds the response. A body the socket does not take
	// at once is copied before ctx is reused.
	Answered
	// AnsweredStable: as Answered, and the body (set with SetBodyRaw)
	// stays valid and unchanged until it is written, so the loop keeps a
	// reference to what is unsent instead of copying it.
	AnsweredStable
)

// Handler answers the GET or HEAD request in ctx without blocking, or
// returns HandOff. ctx.Time() is the request's start; ctx.Conn() gives
// the connection's addresses only (its I/O methods fail). The response
// must not be a body stream.
type Handler func(ctx *fasthttp.RequestCtx) Verdict

// Config sets the loops' limits.
type Config struct {
	// Loops is the number of event loops, each one goroutine that keeps
	// its P while busy: at most GOMAXPROCS is useful.
	Loops int
	// MaxHeaderBytes bounds a request's header block; a longer one is
	// handed off (fasthttp answers it with 431).
	MaxHeaderBytes int
	// ReadTimeout hands a connection to the fallback when its request
	// header has not come whole this long after its first bytes;
	// IdleTimeout closes one that sent nothing this long after its last
	// response, WriteTimeout one whose response is not out this long
	// (plus MinRate's allowance) after it first had to wait.
	ReadTimeout, IdleTimeout, WriteTimeout time.Duration
	// MinRate, in bytes/s, lengthens a response's WriteTimeout by its
	// size at that rate, so that a slow client on a large body is not cut
	// off while a stalled one is; 0 adds nothing.
	MinRate int64
	// Name is the Server header of responses that set none.
	Name string
}

// Deps are the injected dependencies.
type Deps struct {
	Handle Handler
	// Fallback takes a connection handed off, to answer buffered (the
	// bytes read and not answered) first; it owns c. It is called on a
	// goroutine of its own, and Shutdown waits for the calls under way
	// to return: it should give c to a server (through a listener of its
	// own, say) rather than serve it to the end.
	Fallback func(c net.Conn, buffered []byte)
	// Closed is told of each connection the loop closed (not of those
	// handed off); c gives its addresses. It may be nil.
	Closed func(c net.Conn)
	Logger *slog.Logger // nil: discard
}

// Stats are the server's counters since it started.
type Stats struct {
	Accepted uint64 // connections moved to a loop
	Served   uint64 // responses the loops answered (and began to write)
	HandOffs uint64 // connections handed to the fallback
	Resumed  uint64 // connections the fallback gave back (Resume)
	Open     int64  // connections a loop holds now
}

// Server runs the loops. Create it with New, feed it with Serve, stop it
// with Shutdown.
type Server struct {
	cfg   Config
	deps  Deps
	loops []*loop
	next  atomic.Uint32 // round robin over loops

	accepted, served, handoffs, resumed atomic.Uint64
	open                                atomic.Int64

	startOnce sync.Once
	startErr  error
	wg        sync.WaitGroup // the loops
	handing   sync.WaitGroup // calls of Deps.Fallback under way
	mu        sync.Mutex     // protects lns, closed
	lns       []net.Listener
	closed    bool
}

// New validates cfg and builds a server; it starts nothing.
func New(cfg Config, deps Deps) (*Server, error) {
	switch {
	case cfg.Loops < 1 || cfg.Loops > 1024:
		return nil, fmt.Errorf("evloop: loops must be within 1..1024, got %d", cfg.Loops)
	case cfg.MaxHeaderBytes < 1024:
		return nil, fmt.Errorf("evloop: max header bytes must be at least 1 KiB, got %d", cfg.MaxHeaderBytes)
	case cfg.ReadTimeout <= 0 || cfg.IdleTimeout <= 0 || cfg.WriteTimeout <= 0:
		return nil, errors.New("evloop: the read, idle and write timeouts must be positive")
	case deps.Handle == nil || deps.Fallback == nil:
		return nil, errors.New("evloop: a handler and a fallback are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Closed == nil {
		deps.Closed = func(net.Conn) {}
	}
	return &Server{cfg: cfg, deps: deps}, nil
}

// Serve accepts connections from ln and gives the plain TCP ones to the
// loops (others go to the fallback as they are) until ln is closed or
// Shutdown; then it returns nil, or the error that stopped it.
func (s *Server) Serve(ln net.Listener) error {
	if err := s.start(); err != nil {
		return err
	}
	if !s.track(ln) {
		return nil
	}
	for {
		c, err := ln.Accept()
		if err != nil {
			if s.isClosed() || errors.Is(err, net.ErrClosed) {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return fmt.Errorf("evloop: accept: %w", err)
		}
		s.adopt(c)
	}
}

// start builds and starts the loops, once.
func (s *Server) start() error {
	s.startOnce.Do(func() {
		for range s.cfg.Loops {
			l, err := newLoop(s)
			if err != nil {
				s.startErr = err
				break
			}
			s.loops = append(s.loops, l)
		}
		for _, l := range s.loops {
			s.wg.Add(1)
			go l.run()
		}
		if s.startErr != nil {
			s.stopLoops(nil)
		}
	})
	return s.startErr
}

// track records ln for Shutdown; false when the server is already shut.
func (s *Server) track(ln net.Listener) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.lns = append(s.lns, ln)
	return true
}

func (s *Server) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

// adopt moves c to a loop as a socket of its own, or hands it to the
// fallback when it is not plain TCP or cannot be moved.
func (s *Server) adopt(c net.Conn) {
	tc, ok := c.(*net.TCPConn)
	if !ok {
		s.fallback(func() (net.Conn, error) { return c, nil }, nil, nil)
		return
	}
	fd, err := dupSocket(tc)
	if err != nil {
		s.deps.Logger.Warn("evloop: a connection stays with the fallback", "err", err)
		s.fallback(func() (net.Conn, error) { return c, nil }, nil, nil)
		return
	}
	a := &addrs{local: tc.LocalAddr(), remote: tc.RemoteAddr()}
	_ = tc.Close() // the dup keeps the socket open
	s.accepted.Add(1)
	s.open.Add(1)
	s.loops[s.next.Add(1)%uint32(len(s.loops))].add(pending{fd: fd, a: a})
}

// Resume moves a connection the loops handed off back to a loop, with
// buffered (the bytes read from it and not answered) answered first:
// the fallback calls it once it has answered what it was handed and the
// connection is idle. The loop serves a dup of c's socket; c stays the
// caller's to close (which then closes only its own descriptor). The
// connection is counted as the loops' again: its close is told to
// Deps.Closed. Resume reports false, having taken nothing, once the
// server is shut or when the socket cannot be moved.
func (s *Server) Resume(c *net.TCPConn, buffered []byte) bool {
	a := &addrs{local: c.LocalAddr(), remote: c.RemoteAddr()}
	if a.remote == nil || s.isClosed() || len(s.loops) == 0 {
		return false
	}
	fd, err := dupSocket(c)
	if err != nil {
		return false
	}
	s.resumed.Add(1)
	s.open.Add(1)
	s.loops[s.next.Add(1)%uint32(len(s.loops))].add(pending{fd: fd, a: a, in: bytes.Clone(buffered)})
	return true
}

// fallback gives Deps.Fallback, on a goroutine Shutdown waits for, the
// connection conn makes, with buffered. a, when known, is the address
// the connection was counted under: a connection that cannot be made,
// or whose client reset it meanwhile, is told to Deps.Closed with it.
func (s *Server) fallback(conn func() (net.Conn, error), buffered []byte, a *addrs) {
	s.handoffs.Add(1)
	s.handing.Add(1)
	go func() {
		defer s.handing.Done()
		c, err := conn()
		if err != nil { // only a loop's socket (a != nil) can fail here
			s.deps.Logger.Warn("evloop: connection closed", "err", err)
			s.deps.Closed(a)
			return
		}
		if a != nil && c.RemoteAddr() == nil {
			// The client reset it meanwhile (getpeername failed): nothing
			// to serve.
			_ = c.Close()
			s.deps.Closed(a)
			return
		}
		s.deps.Fallback(c, buffered)
	}()
}

// Stats returns the counters.
func (s *Server) Stats() Stats {
	return Stats{Accepted: s.accepted.Load(), Served: s.served.Load(), HandOffs: s.handoffs.Load(), Resumed: s.resumed.Load(), Open: s.open.Load()}
}

// Shutdown closes the listeners, answers the requests already read with
// Connection: close, closes idle connections, and waits for responses
// under way until ctx is done; then it closes every connection left and
// waits for the loops to end. It is safe to call more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closed = true
	lns := s.lns
	s.lns = nil
	s.mu.Unlock()
	for _, ln := range lns {
		_ = ln.Close()
	}
	s.startOnce.Do(func() {}) // no loops start after this
	force := ctx.Done()
	if force == nil { // a context never done: drain for as long as it takes
		force = make(chan struct{})
	}
	s.stopLoops(force)
	s.wg.Wait()
	s.handing.Wait()
	return ctx.Err()
}

// stopLoops tells every loop to drain, and to close all when force is
// closed (nil: at once).
func (s *Server) stopLoops(force <-chan struct{}) {
	for _, l := range s.loops {
		l.stop(force)
	}
}
