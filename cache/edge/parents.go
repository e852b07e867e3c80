package edge

import (
	"bytes"
	"log/slog"
	"sync"
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

	mu      sync.Mutex // protects grant and sources
	grant   string
	sources map[string]*peer.Origin // by site/node@addr
}

func (p *parentSources) source(site, node, addr, grant string) (fill.Source, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if grant != p.grant || p.sources == nil {
		for _, s := range p.sources {
			s.Close()
		}
		p.grant, p.sources = grant, map[string]*peer.Origin{}
	}
	key := site + "/" + node + "@" + addr
	if s := p.sources[key]; s != nil {
		return s, true
	}
	cfg := peer.DefaultConfig()
	cfg.Auth, cfg.UserAgent, cfg.Timeout = peer.GrantAuth(grant), "vodedge-fill/"+p.version, parentTimeout
	s, err := peer.New(noOrigin{}, onePeer{peer.Peer{Name: site + "/" + node, Addr: addr}}, cfg, peer.Deps{Logger: p.log})
	if err != nil {
		return nil, false
	}
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
