package cache

import (
	"errors"
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/evloop"
)

// newEventLoop builds the event loops of Config.EventLoops over the
// handler, with fasthttp's server as the fallback and the connection
// limiter told of the connections the loops close, and registers their
// counters on reg.
func (s *Server) newEventLoop(reg prometheus.Registerer) (*evloop.Server, error) {
	l, err := evloop.New(evloop.Config{
		Loops: s.cfg.EventLoops, MaxHeaderBytes: s.cfg.MaxHeaderBytes, Name: "vodedge",
		ReadTimeout: s.cfg.ReadTimeout, IdleTimeout: s.cfg.IdleTimeout, WriteTimeout: s.cfg.WriteTimeout,
		MinRate: s.cfg.MinClientRate,
	}, evloop.Deps{
		Handle:   s.handler.handleLoop,
		Fallback: s.handedOff.give,
		Closed:   s.limiter.Release,
		Logger:   s.log,
	})
	if err != nil {
		return nil, fmt.Errorf("cache: %w", err)
	}
	if reg == nil {
		return l, nil
	}
	for _, c := range []prometheus.Collector{
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vodedge_edge_loop_responses_total",
			Help: "Responses the event loops wrote (the rest of the public listener's are fasthttp's)."},
			func() float64 { return float64(l.Stats().Served) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vodedge_edge_loop_handoffs_total",
			Help: "Connections the event loops handed to fasthttp's server, at a request that could block."},
			func() float64 { return float64(l.Stats().HandOffs) }),
		prometheus.NewCounterFunc(prometheus.CounterOpts{Name: "vodedge_edge_loop_resumes_total",
			Help: "Connections fasthttp's server gave back to the event loops after answering what they handed off."},
			func() float64 { return float64(l.Stats().Resumed) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "vodedge_edge_loop_connections",
			Help: "Connections the event loops hold."},
			func() float64 { return float64(l.Stats().Open) }),
	} {
		if err := reg.Register(c); err != nil {
			return nil, fmt.Errorf("cache: metrics: %w", err)
		}
	}
	return l, nil
}

// handOffListener is how connections an event loop handed off reach
// fasthttp's server: as a listener it serves (Server.Serve starts that),
// so that fasthttp's Shutdown closes it and waits for those connections
// as for its own. A connection given after it closed is closed.
type handOffListener struct {
	conns     chan net.Conn
	done      chan struct{}
	closeOnce sync.Once
	release   func(net.Conn) // the limiter's, for a connection closed here
}

func newHandOffListener(release func(net.Conn)) *handOffListener {
	return &handOffListener{conns: make(chan net.Conn), done: make(chan struct{}), release: release}
}

// give is evloop's Fallback: c, its bytes read and not answered first,
// goes to fasthttp's server.
func (l *handOffListener) give(c net.Conn, buffered []byte) {
	w := wrapConnBuffered(c, buffered)
	if cc, ok := w.(*clientConn); ok {
		cc.fromLoop = true
	}
	select {
	case l.conns <- w:
	case <-l.done:
		_ = c.Close()
		l.release(w)
	}
}

func (l *handOffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, io.EOF // fasthttp's Serve returns nil on it
	}
}

func (l *handOffListener) Close() error {
	l.closeOnce.Do(func() { close(l.done) })
	return nil
}

func (l *handOffListener) Addr() net.Addr { return handOffAddr{} }

type handOffAddr struct{}

func (handOffAddr) Network() string { return "evloop" }
func (handOffAddr) String() string  { return "event loop hand-offs" }

// errHandedBack ends a read of a connection being given back to the
// event loops: what is left in its socket is the loop's to read.
var errHandedBack = errors.New("cache: connection handed back to an event loop")

// toLoop, after fasthttp's server answered a request on a connection an
// event loop handed off, asks for the connection to go back to the
// loops once the response is out (ctx.Hijack: fasthttp then stops
// serving it and calls handBack), so that a player's connection that
// met one miss, or one disk read sampled for verification, has its
// next hits answered by a loop again. Only a keep-alive HTTP/1.1
// connection after a GET or HEAD goes back.
func (h *handler) toLoop(ctx *fasthttp.RequestCtx) {
	if h.resume == nil {
		return
	}
	cc, ok := ctx.Conn().(*clientConn)
	if !ok || !cc.fromLoop || !(ctx.IsGet() || ctx.IsHead()) || !ctx.Request.Header.IsHTTP11() ||
		ctx.Request.Header.ConnectionClose() || ctx.Response.ConnectionClose() {
		return
	}
	if cc.handBack == nil {
		cc.handBack = func(hc net.Conn) { h.handBack(cc, hc) }
	}
	ctx.Hijack(cc.handBack)
}

// handBack runs on fasthttp's hijack goroutine once the response is
// out. hc reads first what fasthttp's reader holds of the connection
// (pipelined requests), then cc's own; noWait stops it before the
// socket, whose bytes the loop reads. fasthttp closes cc when this
// returns; the loop serves a dup of its socket. The connection stays
// counted against the limits (Server.connState skips the hijack) until
// the loop closes it, or here when the loops refuse it.
func (h *handler) handBack(cc *clientConn, hc net.Conn) {
	cc.noWait = true
	var buffered []byte
	var p [2048]byte
	for {
		n, err := hc.Read(p[:])
		buffered = append(buffered, p[:n]...)
		if err != nil {
			break
		}
	}
	if !h.resume(cc.tcp, buffered) {
		h.release(cc)
	}
}

// connState is fasthttp's ConnState hook: the limiter's, except for a
// connection going back to the event loops, which stays counted.
func (s *Server) connState(c net.Conn, st fasthttp.ConnState) {
	if cc, ok := c.(*clientConn); ok && cc.fromLoop && st == fasthttp.StateHijacked {
		return
	}
	s.limiter.FastHTTPConnState(c, st)
}
