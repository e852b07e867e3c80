package cache

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/accesslog"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/evloop"
	"github.com/vodedge/vodedge/cache/ramtier"
	"github.com/vodedge/vodedge/internal/connlimit"
)

// AccessLogger receives one record per response; it must not block.
// *accesslog.Logger implements it.
type AccessLogger interface {
	Log(accesslog.Record) bool
}

// Deps are the server's injected dependencies.
type Deps struct {
	Origin Origin
	// Logger receives operational logs; nil discards them.
	Logger *slog.Logger
	// AccessLog receives a record per response; nil logs nothing.
	AccessLog AccessLogger
	// AccessLogDropped reports records the access log dropped, exported
	// as a metric; nil reports 0.
	AccessLogDropped func() uint64
	// Registerer receives the server's metrics; nil registers nowhere.
	Registerer prometheus.Registerer
	// Disk is the disk tier; nil runs with the RAM tier only. The caller
	// owns it and closes it after Shutdown.
	Disk *disktier.Store
	// URLs checks steering's signed-URL tokens on the public listener;
	// nil accepts every URL as it is.
	URLs URLVerifier
	// Forwarder passes unsafe methods (POST, PUT, DELETE, PATCH) to the
	// origin; nil uses Origin when it implements Forwarder (origin.HTTP
	// does), else those methods get 405.
	Forwarder Forwarder
	// Clock tells the time freshness is judged by; nil is the real clock
	// (the request's start time, which fasthttp has already read). Tests
	// move a fake one forward instead of sleeping.
	Clock func() time.Time
}

// Server is an edge node's public HTTP server. Create it with New, run
// it with Serve, stop it with Shutdown.
//
// It holds the configuration, the listeners and the admin API, and
// composes three layers whose lifecycle it owns (see "Structure" in the
// package doc): the HTTP protocol layer (handler), the lookup across the
// tiers (tiers) and the miss path (flights).
type Server struct {
	cfg     Config
	log     *slog.Logger
	metrics *metrics
	rules   rules
	handler handler
	tiers   tiers
	flights flights
	http    *fasthttp.Server
	loop    *evloop.Server // nil unless Config.EventLoops > 0
	// handedOff feeds fasthttp's server the loops' hand-offs; served
	// (handOffServe) from the first Serve on.
	handedOff    *handOffListener
	handOffServe sync.Once
	handOffDone  chan error
	limiter      *connlimit.Limiter // counts the public listeners' connections

	ctx    context.Context // cancelled when origin fetches and the promoter must stop
	cancel context.CancelFunc
	ready  atomic.Bool
	closed sync.Once
	peerMu sync.Mutex
	peers  []*fasthttp.Server // peer listeners, shut down with the server; protected by peerMu
	// peerRefused counts peer requests without credentials;
	// peerRefusedLogged is when one was last logged (unix ns).
	peerRefused, peerRefusedLogged atomic.Int64
}

// New validates cfg and builds a server. It does not listen.
func New(cfg Config, deps Deps) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.Origin == nil {
		return nil, errors.New("cache: no origin")
	}
	s := &Server{cfg: cfg, log: deps.Logger}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	ram, err := s.initMetrics(deps)
	if err != nil {
		return nil, err
	}
	s.rules = newRules(&s.cfg)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	now := deps.Clock
	if now == nil {
		now = time.Now
	}
	s.tiers.init(&s.cfg, ram, deps.Disk, &s.rules, &s.flights, s.metrics, s.log)
	s.flights.init(s.ctx, &s.cfg, deps.Origin, &s.tiers, now)
	s.handler.init(s.ctx, &s.cfg, deps, &s.tiers)
	s.http = s.newHTTPServer()
	s.http.ConnState = s.limiter.FastHTTPConnState
	if cfg.EventLoops > 0 {
		s.handedOff = newHandOffListener(s.limiter.Release)
		if s.loop, err = s.newEventLoop(deps.Registerer); err != nil {
			s.cancel()
			s.tiers.ram.Close()
			return nil, err
		}
		s.http.ConnState = s.connState
		s.handler.resume, s.handler.release = s.loop.Resume, s.limiter.Release
	}
	s.tiers.start(s.ctx)
	return s, nil
}

// initMetrics builds the RAM tier, the metrics and the connection
// limiter, all registered on deps.Registerer.
func (s *Server) initMetrics(deps Deps) (*ramtier.Tier[*slice], error) {
	ram, err := ramtier.New(ramtier.Config{MaxBytes: s.cfg.RAMBytes, AvgValueBytes: max(s.cfg.SliceBytes/8, 1)}, (*slice).release)
	if err != nil {
		return nil, fmt.Errorf("cache: RAM tier: %w", err)
	}
	reg := deps.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	dropped := func() float64 { return 0 }
	if deps.AccessLogDropped != nil {
		dropped = func() float64 { return float64(deps.AccessLogDropped()) }
	}
	m, err := newMetrics(reg, dropped)
	if err == nil {
		err = ram.Register(reg)
	}
	if err != nil {
		ram.Close()
		return nil, fmt.Errorf("cache: metrics: %w", err)
	}
	lim, err := connlimit.New(connlimit.Config{Max: s.cfg.MaxConns, PerClient: s.cfg.MaxConnsPerClient, Name: "public"}, reg)
	if err != nil {
		ram.Close()
		return nil, fmt.Errorf("cache: %w", err)
	}
	s.metrics, s.limiter = m, lim
	return ram, nil
}

func (s *Server) newHTTPServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                      s.handler.handle,
		Name:                         "vodedge",
		ReadTimeout:                  s.cfg.ReadTimeout,
		WriteTimeout:                 s.cfg.WriteTimeout,
		IdleTimeout:                  s.cfg.IdleTimeout,
		ReadBufferSize:               s.cfg.MaxHeaderBytes,
		MaxRequestBodySize:           max(s.cfg.MaxRequestBodyBytes, 4<<10),
		DisablePreParseMultipartForm: true,
		NoDefaultContentType:         true,
		CloseOnShutdown:              true,
		Logger:                       fasthttpLogger{s.log},
		ErrorHandler:                 s.handler.protocolError,
	}
}

// Serve answers requests on ln until Shutdown. It returns nil after a
// Shutdown. Connections count against MaxConns and MaxConnsPerClient.
// With EventLoops, the loops take ln's plain-TCP connections.
func (s *Server) Serve(ln net.Listener) error {
	s.ready.Store(true)
	lln := s.limiter.Listener(ln, true)
	if s.loop != nil {
		s.handOffServe.Do(func() {
			s.handOffDone = make(chan error, 1)
			go func() { s.handOffDone <- s.http.Serve(s.handedOff) }()
		})
		return s.loop.Serve(lln)
	}
	return s.http.Serve(clientListener{lln})
}

// ServeTLS is Serve with TLS on ln (tc: internal/tlsreload's, so the
// certificate can be replaced while serving). It may run beside Serve;
// both share the connection limits. Bodies go through TLS record writes,
// never sendfile.
func (s *Server) ServeTLS(ln net.Listener, tc *tls.Config) error {
	s.ready.Store(true)
	return s.http.Serve(tls.NewListener(s.limiter.Listener(ln, false), tc))
}

// Ready reports whether the server is serving and not shutting down.
func (s *Server) Ready() bool { return s.ready.Load() }

// Status reports readiness for /readyz with a detail line. A degraded
// disk tier keeps the node ready (it serves what it has) but says so.
func (s *Server) Status() (ready bool, detail string) {
	switch {
	case !s.ready.Load():
		return false, "not serving"
	case s.tiers.disk == nil:
		return true, "ready"
	case s.tiers.disk.Serving() == 0:
		return false, "no disk in service: " + s.tiers.disk.Degraded()
	case s.tiers.disk.Degraded() != "":
		return true, "ready; disk tier degraded: " + s.tiers.disk.Degraded()
	case !s.tiers.disk.Loaded():
		return true, "ready; disk index loading"
	}
	return true, "ready"
}

// DiskAdmitting reports whether the disk tier stores new objects: some
// disk in service admits them. It is true without a disk tier.
func (s *Server) DiskAdmitting() bool {
	return s.tiers.disk == nil || s.tiers.disk.Admitting()
}

// Shutdown stops accepting connections, lets in-flight responses finish
// until ctx is done, then cancels origin fetches, waits for their
// goroutines and releases the RAM tier. It is safe to call more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.closed.Do(func() {
		s.ready.Store(false)
		if s.loop != nil {
			// First, so that no connection is handed to fasthttp's
			// server after it has shut down.
			err = s.loop.Shutdown(ctx)
		}
		if herr := s.http.ShutdownWithContext(ctx); err == nil {
			err = herr
		}
		if s.handedOff != nil {
			// Closed by fasthttp's Shutdown once it serves it; closed here
			// in case its Serve had not begun.
			_ = s.handedOff.Close()
			s.handOffServe.Do(func() {})
			if s.handOffDone != nil {
				<-s.handOffDone
			}
		}
		s.peerMu.Lock()
		for _, p := range s.peers {
			_ = p.ShutdownWithContext(ctx)
		}
		s.peerMu.Unlock()
		s.cancel()
		s.flights.wait()
		s.tiers.stop()
	})
	return err
}

// BytesSent returns the body bytes this server has sent since it started
// (all listeners, all tiers): sampled over time it is the node's egress
// rate, which the cluster publishes as load.
func (s *Server) BytesSent() uint64 { return s.metrics.sent.Load() }

// Handler returns the public request handler, for tests and embedding.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handler.handle }

// fasthttpLogger routes fasthttp's own messages to slog.
type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Debug(fmt.Sprintf(format, args...), "component", "fasthttp")
}
