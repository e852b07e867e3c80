package peer

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/origin"
)

// Fetcher is the origin a Origin falls back to; every origin client
// (origin.HTTP, origin.S3, …) implements it.
type Fetcher interface {
	Fetch(ctx context.Context, req origin.Request) (*origin.Object, error)
}

// Peer is another node of the site, reached at its peer listener.
type Peer struct {
	Name string
	Addr string // its peer listener, host:port
}

// Router says whom to ask for a key before the origin: the site's
// placement (steering/cluster's Cluster, adapted where the node is
// assembled).
type Router interface {
	// Route returns the peers to ask for key, best first; none when this
	// node owns key itself or no peer is usable.
	Route(key string) []Peer
	// PeerFailed reports a peer that refused, timed out or failed.
	PeerFailed(name string)
}

// MissHeader marks a peer listener's 404 that only means "I do not
// hold it"; the server side (cache.Server.ServePeer) sets it.
const MissHeader = "X-Vodedge-Peer-Miss"

// Config tunes peer requests.
type Config struct {
	// Auth is the cluster's peer credential.
	Auth Auth
	// Timeout bounds connecting to a peer and waiting for its response
	// headers: past it the peer is skipped for the origin. An owner that
	// must itself go to the origin answers only after the origin does, so
	// this is also the longest origin first-byte time that peer fill
	// covers before the node fetches in parallel. Default 300 ms.
	Timeout time.Duration
	// IdleTimeout fails a peer body that stalls this long; the rest of
	// the bytes then come from the origin. Default 2 s.
	IdleTimeout time.Duration
	// UserAgent is sent with peer requests. Default "vodedge".
	UserAgent string
}

// DefaultConfig returns the defaults, without credentials.
func DefaultConfig() Config {
	return Config{Timeout: 300 * time.Millisecond, IdleTimeout: 2 * time.Second, UserAgent: "vodedge"}
}

// Origin is the edge's origin in a site cluster: a slice whose owner
// is another node of the site is asked of that node's peer listener
// first; a miss there, a timeout, a refused connection or a suspect owner
// sends the request to the real origin. Slices this node owns go straight
// to the origin. It implements the Fetch method of cache.Origin.
type Origin struct {
	origin  Fetcher
	router  Router
	cfg     Config
	log     *slog.Logger
	client  *http.Client
	tr      *http.Transport
	metrics *peerMetrics
	warned  atomic.Int64 // unix nanos of the last credential warning
}

// Deps are an Origin's collaborators.
type Deps struct {
	// Logger receives peer failures; nil discards.
	Logger *slog.Logger
	// Registerer receives the peer metrics; nil registers nowhere.
	Registerer prometheus.Registerer
}

// New wraps org.
func New(org Fetcher, router Router, cfg Config, deps Deps) (*Origin, error) {
	if org == nil || router == nil {
		return nil, errors.New("peer: peer origin needs an origin and a router")
	}
	if cfg.Timeout <= 0 || cfg.IdleTimeout <= 0 {
		return nil, fmt.Errorf("peer: peer timeouts must be positive (timeout %v, idle %v)", cfg.Timeout, cfg.IdleTimeout)
	}
	if cfg.UserAgent == "" {
		cfg.UserAgent = "vodedge"
	}
	m, err := newPeerMetrics(deps.Registerer)
	if err != nil {
		return nil, fmt.Errorf("peer: peer metrics: %w", err)
	}
	p := &Origin{origin: org, router: router, cfg: cfg, log: deps.Logger, metrics: m}
	if p.log == nil {
		p.log = slog.New(slog.DiscardHandler)
	}
	p.tr = newPeerTransport(cfg.Timeout)
	p.client = &http.Client{Transport: p.tr, CheckRedirect: noRedirects}
	return p, nil
}

// newPeerTransport is a keep-alive pool for the site's peers: no proxy
// (peers are on the site's LAN), no compression (video does not compress
// and gzip would hide lengths), plain HTTP/1.1.
func newPeerTransport(timeout time.Duration) *http.Transport {
	d := &net.Dialer{Timeout: timeout, KeepAlive: 30 * time.Second}
	return &http.Transport{
		DialContext:            d.DialContext,
		MaxIdleConnsPerHost:    32,
		IdleConnTimeout:        60 * time.Second,
		DisableCompression:     true,
		MaxResponseHeaderBytes: 64 << 10,
	}
}

func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// String describes the origin for logs.
func (p *Origin) String() string { return fmt.Sprintf("site peers, then %v", p.origin) }

// Close closes idle peer connections. It does not close the wrapped
// origin, which the caller owns.
func (p *Origin) Close() error {
	p.tr.CloseIdleConnections()
	return nil
}

// Fetch gets req from the key's owners in the site, then the origin. A
// 404 from an owner (not a miss) is final: the owner asked the origin.
func (p *Origin) Fetch(ctx context.Context, req origin.Request) (*origin.Object, error) {
	peers := p.router.Route(req.Key)
	if len(peers) == 0 {
		p.metrics.direct.WithLabelValues("owner").Inc()
		return p.origin.Fetch(ctx, req)
	}
	for _, peer := range peers {
		obj, err := p.fetchPeer(ctx, peer, req)
		if err == nil || errors.Is(err, origin.ErrNotFound) || ctx.Err() != nil {
			return obj, err
		}
		p.log.Debug("peer fetch failed; trying the next source", "peer", peer.Name, "key", req.Key, "err", err)
	}
	p.metrics.direct.WithLabelValues("fallback").Inc()
	return p.origin.Fetch(ctx, req)
}
