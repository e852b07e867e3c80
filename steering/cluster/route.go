package cluster

import (
	"slices"
)

// Owns reports whether this node owns key: it is among the Config.Owners
// best-placed usable members of its site. A draining node owns nothing.
// The peer listener lets an owner fetch from the origin for a peer.
func (c *Cluster) Owns(key string) bool {
	v := c.view.Load()
	if v.self < 0 {
		return false
	}
	var buf [16]int
	return slices.Contains(v.rank(key, c.cfg.Owners, c.now(), buf[:0]), v.self)
}

// Route returns the peers to ask for key before the origin, best first:
// its owners, unless this node is one of them (then none: it fetches
// from the origin itself). Members this node suspects are passed over.
func (c *Cluster) Route(key string) []Peer {
	v := c.view.Load()
	var buf [16]int
	idx := v.rank(key, c.cfg.Owners, c.now(), buf[:0])
	if slices.Contains(idx, v.self) {
		return nil
	}
	peers := make([]Peer, len(idx))
	for i, j := range idx {
		peers[i] = v.peers[j]
	}
	return peers
}

// PeerFailed makes this node pass over the named member for
// Config.SuspectFor: its peer listener refused, timed out or failed. It
// is cleared early by news of the member from memberlist.
func (c *Cluster) PeerFailed(name string) {
	v := c.view.Load()
	h := v.healthOf(name)
	if h == nil {
		return
	}
	now := c.now()
	if !h.suspected(now) {
		c.log.Info("cluster: peer failed; passing over it", "member", name, "for", c.cfg.SuspectFor)
	}
	h.suspect(now.Add(c.cfg.SuspectFor))
}
