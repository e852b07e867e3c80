package cache

import (
	"fmt"
	"net"

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
	}, evloop.Deps{
		Handle:   s.handler.handleLoop,
		Fallback: s.serveHandedOff,
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

// serveHandedOff serves a connection an event loop handed off, from the
// bytes it had read and not answered.
func (s *Server) serveHandedOff(c net.Conn, buffered []byte) {
	_ = s.http.ServeConn(wrapConnBuffered(c, buffered))
}
