package cache

import (
	"fmt"
	"io"
	"net"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

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
			Help: "Connections the event loops handed to fasthttp's server, at their first request that could block."},
			func() float64 { return float64(l.Stats().HandOffs) }),
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
