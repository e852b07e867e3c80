package cache

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
	"weak"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/accesslog"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/freshness"
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

// Server is an edge node's public HTTP server with its RAM tier and miss
// path. Create it with New, run it with Serve, stop it with Shutdown.
type Server struct {
	cfg        Config
	origin     Origin
	log        *slog.Logger
	alog       AccessLogger
	ram        *ramtier.Tier[*slice]
	disk       *disktier.Store // nil when there is no disk tier
	urls       URLVerifier     // nil: no signed-URL check
	corsOrigin []byte          // nil: no CORS headers
	metrics    *metrics
	flights    flights
	http       *fasthttp.Server
	limiter    *connlimit.Limiter // counts the public listeners' connections
	smallBody  int64              // bodies WriteTimeout covers at MinClientRate
	nodeName   []byte
	boundary   string

	forwarder   Forwarder        // nil: unsafe methods get 405
	clock       func() time.Time // nil: the real clock
	versions    versions
	vary        varySpecs
	heuristic   freshness.Heuristic
	via         []byte              // this node's Via entry
	cacheStatus [numOutcomes][]byte // Cache-Status values, formatted once

	ctx     context.Context // cancelled when origin fetches must stop
	cancel  context.CancelFunc
	fetches sync.WaitGroup // one per running origin fetch or disk write
	bg      sync.WaitGroup // the promoter
	// promotions queues disk hits for the promoter.
	promotions chan *disktier.Record
	ready      atomic.Bool
	closed     sync.Once
	peerMu     sync.Mutex
	peers      []*fasthttp.Server // peer listeners, shut down with the server
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
	s := &Server{cfg: cfg, origin: deps.Origin, log: deps.Logger, alog: deps.AccessLog, disk: deps.Disk, urls: deps.URLs, nodeName: []byte(cfg.NodeName)}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	s.flights.m = make(map[string]*fetch)
	if cfg.CORSOrigin != "" {
		s.corsOrigin = []byte(cfg.CORSOrigin)
	}
	s.boundary = newBoundary()
	s.smallBody = int64(cfg.WriteTimeout.Seconds() * float64(cfg.MinClientRate))
	s.initCaching(deps)
	if err := s.initTiers(deps); err != nil {
		return nil, err
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.http = s.newHTTPServer()
	s.http.ConnState = s.limiter.FastHTTPConnState
	if s.disk != nil {
		s.promotions = make(chan *disktier.Record, 256)
		s.bg.Add(1)
		go s.promoter()
	}
	return s, nil
}

// initCaching sets up what HTTP caching needs beyond the tiers.
func (s *Server) initCaching(deps Deps) {
	s.versions.m = make(map[string]weak.Pointer[meta])
	s.vary.m = make(map[string]*varySpec)
	s.heuristic = freshness.Heuristic{Fraction: s.cfg.HeuristicFraction, Max: s.cfg.HeuristicMax}
	s.via = []byte("1.1 " + s.cfg.NodeName)
	for o := range numOutcomes {
		s.cacheStatus[o] = []byte(cacheStatus(s.cfg.NodeName, o))
	}
	s.forwarder, s.clock = deps.Forwarder, deps.Clock
	if f, ok := deps.Origin.(Forwarder); ok && s.forwarder == nil {
		s.forwarder = f
	}
	if !s.cfg.ForwardUnsafe {
		s.forwarder = nil
	}
}

func (s *Server) initTiers(deps Deps) error {
	ram, err := ramtier.New(ramtier.Config{MaxBytes: s.cfg.RAMBytes, AvgValueBytes: max(s.cfg.SliceBytes/8, 1)}, (*slice).release)
	if err != nil {
		return fmt.Errorf("cache: RAM tier: %w", err)
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
		return fmt.Errorf("cache: metrics: %w", err)
	}
	lim, err := connlimit.New(connlimit.Config{Max: s.cfg.MaxConns, PerClient: s.cfg.MaxConnsPerClient, Name: "public"}, reg)
	if err != nil {
		ram.Close()
		return fmt.Errorf("cache: %w", err)
	}
	s.ram, s.metrics, s.limiter = ram, m, lim
	return nil
}

func (s *Server) newHTTPServer() *fasthttp.Server {
	return &fasthttp.Server{
		Handler:                      s.handle,
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
		ErrorHandler:                 s.protocolError,
	}
}

// Serve answers requests on ln until Shutdown. It returns nil after a
// Shutdown. Connections count against MaxConns and MaxConnsPerClient.
func (s *Server) Serve(ln net.Listener) error {
	s.ready.Store(true)
	return s.http.Serve(s.limiter.Listener(ln, true))
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
	case s.disk == nil:
		return true, "ready"
	case s.disk.Degraded() != "":
		return true, "ready; disk tier degraded: " + s.disk.Degraded()
	case !s.disk.Loaded():
		return true, "ready; disk index loading"
	}
	return true, "ready"
}

// Shutdown stops accepting connections, lets in-flight responses finish
// until ctx is done, then cancels origin fetches, waits for their
// goroutines and releases the RAM tier. It is safe to call more than once.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.closed.Do(func() {
		s.ready.Store(false)
		err = s.http.ShutdownWithContext(ctx)
		s.peerMu.Lock()
		for _, p := range s.peers {
			_ = p.ShutdownWithContext(ctx)
		}
		s.peerMu.Unlock()
		s.cancel()
		s.fetches.Wait()
		s.bg.Wait()
		s.ram.Close()
	})
	return err
}

// BytesSent returns the body bytes this server has sent since it started
// (all listeners, all tiers): sampled over time it is the node's egress
// rate, which the cluster publishes as load.
func (s *Server) BytesSent() uint64 { return s.metrics.sent.Load() }

// Handler returns the public request handler, for tests and embedding.
func (s *Server) Handler() fasthttp.RequestHandler { return s.handle }

// newBody returns a streaming body for the given pieces of the object.
func (s *Server) newBody(rq *request, m *meta, status int, tier string, pieces []piece) *body {
	logRq := *rq // the handler's request struct does not outlive it
	b := &body{s: s, key: m.key, w: s.wantFor(rq, m.key, 0), meta: m, pieces: pieces, start: rq.start, curIdx: -1, aheadIdx: -1}
	if realConn(rq.ctx) {
		b.conn = rq.ctx
	}
	b.pos = pieces[0].from
	b.done = func(b *body, err error) {
		if err != nil {
			s.log.Debug("response cut short", "key", b.key, "sent", b.written, "err", err)
		}
		s.metrics.response(status, tier, b.written, b.ttfb)
		s.logAccess(&logRq, status, tier, b.written, b.ttfb)
	}
	return b
}

func newBoundary() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "vodedge-" + hex.EncodeToString(b[:])
}

// protocolError answers requests fasthttp could not parse (malformed
// request lines: 400; oversized headers: 431; a header not complete
// within ReadTimeout: 408) in the same plain-text form as the handler's
// own errors.
func (s *Server) protocolError(ctx *fasthttp.RequestCtx, err error) {
	status, reason := http.StatusBadRequest, "malformed request"
	var small *fasthttp.ErrSmallBuffer
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		// --read-timeout passed before a whole header arrived (a slow
		// sender, or a connection that never sent a request).
		status, reason = http.StatusRequestTimeout, "request timeout"
	case errors.As(err, &small):
		status, reason = http.StatusRequestHeaderFieldsTooLarge, "request headers too large"
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		status, reason = http.StatusRequestEntityTooLarge, "request body too large"
	}
	rq := request{ctx: ctx, start: time.Now()}
	s.answerText(&rq, status, reason)
	ctx.SetConnectionClose()
}

// fasthttpLogger routes fasthttp's own messages to slog.
type fasthttpLogger struct{ l *slog.Logger }

func (f fasthttpLogger) Printf(format string, args ...any) {
	f.l.Debug(fmt.Sprintf(format, args...), "component", "fasthttp")
}

// now returns the current time by the server's clock.
func (s *Server) now() time.Time {
	if s.clock != nil {
		return s.clock()
	}
	return time.Now()
}
