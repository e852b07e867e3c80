package edge

import (
	"bytes"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vodedge/vodedge/cache/peer"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/tiergrant"
)

// Tiered fill, the edge's two sides of it (fill/doc.go, "Tiered fill").

// parentTimeout bounds connecting to a parent node and its response
// headers. A parent's owner that lacks the file answers only once the
// origin does, so this is longer than the site's own peer timeout.
const parentTimeout = 5 * time.Second

// parentSuspectFor is how long a parent node that refused, timed out or
// failed is passed over (the file goes to the next source at once), so
// a parent that is down costs one timeout, not one per file, until the
// controller stops listing it.
const parentSuspectFor = 30 * time.Second

// grantCheck accepts, on the peer listener, a child site's grant: signed
// with the manifest key this node trusts, naming this node's site as a
// parent, not expired. nil (no grants) without a manifest key. Each
// request costs an ed25519 verification (tens of microseconds): fill
// traffic, a slice per request.
func (n *Node) grantCheck() func(authorization []byte) bool {
	if n.cfg.Fill == nil || len(n.cfg.Fill.Agent.PublicKey) == 0 {
		return nil
	}
	pub, site := n.cfg.Fill.Agent.PublicKey, n.cfg.Cache.Site
	return func(h []byte) bool {
		return bytes.HasPrefix(h, []byte("Grant ")) && tiergrant.Check(string(h), pub, site, time.Now()) == nil
	}
}

// parentSources makes the fill agent's sources on parent nodes: their
// peer listeners, presenting the grant. Sources are kept per node and
// address while the grant stays the same, and closed when it changes.
type parentSources struct {
	log     *slog.Logger
	version string
	now     func() time.Time // nil: time.Now

	mu      sync.Mutex // protects grant and sources
	grant   string
	sources map[string]parentSource // by site/node@addr
}

// parentSource is a peer client of one parent node and its router.
type parentSource struct {
	*peer.Origin
	r *suspectRouter
}

func (p *parentSources) source(site, node, addr, grant string) (fill.Source, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if grant != p.grant || p.sources == nil {
		for _, s := range p.sources {
			s.Close()
		}
		p.grant, p.sources = grant, map[string]parentSource{}
	}
	key := site + "/" + node + "@" + addr
	if s, ok := p.sources[key]; ok {
		return s, true
	}
	cfg := peer.DefaultConfig()
	cfg.Auth, cfg.UserAgent, cfg.Timeout = peer.GrantAuth(grant), "vodedge-fill/"+p.version, parentTimeout
	now := p.now
	if now == nil {
		now = time.Now
	}
	r := &suspectRouter{p: peer.Peer{Name: site + "/" + node, Addr: addr}, now: now}
	o, err := peer.New(noOrigin{}, r, cfg, peer.Deps{Logger: p.log})
	if err != nil {
		return nil, false
	}
	s := parentSource{o, r}
	p.sources[key] = s
	return s, true
}

// close closes the sources' idle connections.
func (p *parentSources) close() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.sources {
		s.Close()
	}
	p.grant, p.sources = "", nil
}

// suspectRouter routes every key to one parent node, and to none for
// parentSuspectFor after a request to it refused, timed out or failed
// (a miss is not a failure).
type suspectRouter struct {
	p     peer.Peer
	now   func() time.Time
	until atomic.Int64 // unix nanoseconds; passed over before it
}

func (r *suspectRouter) Route(string) []peer.Peer {
	if r.now().UnixNano() < r.until.Load() {
		return nil
	}
	return []peer.Peer{r.p}
}

func (r *suspectRouter) PeerFailed(string) {
	r.until.Store(r.now().Add(parentSuspectFor).UnixNano())
}
