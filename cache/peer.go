package cache

import (
	"net"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/peer"
)

// HeaderPeerMiss is set on a peer listener's 404 when the node simply does
// not hold the slice (as opposed to the origin saying it does not exist);
// cache/peer's client reads it.
const HeaderPeerMiss = peer.MissHeader

// PeerConfig is how the peer listener decides what a request may do.
type PeerConfig struct {
	// Authorized reports whether a peer request carries the cluster's
	// credentials; others get 401. Required.
	Authorized func(ctx *fasthttp.RequestCtx) bool
	// Owns reports whether this node owns key in its site's placement. An
	// owner answers a peer like a player (fetching from the origin on a
	// miss); a node that does not own the key answers only from what it
	// holds, so peer requests never chain.
	Owns func(key string) bool
}

// ServePeer answers other nodes of the site on ln until Shutdown: the same
// GET/HEAD semantics as the public listener, behind cfg.Authorized, and
// from cache only unless this node owns the key. The slices requested by
// a peer are counted in the access log like any other response.
func (s *Server) ServePeer(ln net.Listener, cfg PeerConfig) error {
	srv := s.newHTTPServer()
	srv.Handler = func(ctx *fasthttp.RequestCtx) {
		if cfg.Authorized == nil || !cfg.Authorized(ctx) {
			s.auditPeerRefusal(ctx)
			rq := request{ctx: ctx, start: ctx.Time()}
			s.handler.answerError(&rq, errPeerUnauthorized, tierNone)
			return
		}
		owns := cfg.Owns != nil && ownsTarget(ctx, cfg.Owns)
		s.handler.serve(ctx, !owns, true)
	}
	s.peerMu.Lock()
	s.peers = append(s.peers, srv)
	s.peerMu.Unlock()
	return srv.Serve(clientListener{ln})
}

// ownsTarget normalizes the request target and asks owns about it; a
// target that does not normalize is left to serve to reject.
func ownsTarget(ctx *fasthttp.RequestCtx, owns func(string) bool) bool {
	var kb [256]byte
	k, err := normalizeTarget(kb[:0], ctx)
	return err == nil && owns(string(k))
}

// auditPeerRefusal writes a refused peer request to the audit log (the
// access log has each one too), at most once a second with the count of
// those left out, so a flood cannot flood the log.
func (s *Server) auditPeerRefusal(ctx *fasthttp.RequestCtx) {
	n := s.peerRefused.Add(1)
	now := time.Now().UnixNano()
	last := s.peerRefusedLogged.Load()
	if now-last < int64(time.Second) || !s.peerRefusedLogged.CompareAndSwap(last, now) {
		return
	}
	s.log.Warn("peer request refused: no valid cluster credentials", "audit", true, "authorized", false,
		"remote", ctx.RemoteAddr().String(), "path", string(ctx.Path()), "refused_total", n)
}
