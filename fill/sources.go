package fill

import (
	"context"
	"slices"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/origin"
)

// Source kinds, as counted in metrics and status.
const (
	kindPeer   = "peer"
	kindMaster = "master"
	kindOrigin = "origin"
	kindParent = "parent"
	// kindHeld: stored by the serving path (a player's or a child
	// site's miss) after the file was listed to fetch; only pinned.
	kindHeld = "held"
)

// source is one place to fetch a file from.
type source struct {
	Source
	kind, name string
}

// sources returns where to fetch e from, best first: the other nodes the
// manifest assigns e to (they may already hold it); the file's fill
// masters, waited for if this node is not one of them; the node owning
// it in each parent site (tiered fill, parents.go); the origin.
func (a *Agent) sources(ctx context.Context, e manifest.Entry) []source {
	var out []source
	masters := a.masters(e.Key)
	for _, n := range e.Nodes {
		if n == a.cfg.Node || slices.Contains(masters, n) {
			continue
		}
		if p, ok := a.peer(n); ok {
			out = append(out, source{p, kindPeer, n})
		}
	}
	if !slices.Contains(masters, a.cfg.Node) {
		for _, n := range masters {
			if p, ok := a.peer(n); ok && a.waitForMaster(ctx, e, p) {
				out = append(out, source{p, kindMaster, n})
			}
		}
	}
	out = append(out, a.parentSources(e.Key)...)
	return append(out, source{a.deps.Origin, kindOrigin, "origin"})
}

func (a *Agent) peer(node string) (Source, bool) {
	if a.deps.Peer == nil {
		return nil, false
	}
	return a.deps.Peer(node)
}

// masters returns the file's fill masters among the usable nodes of the
// site: the first Masters by placement hashing.
func (a *Agent) masters(key string) []string {
	if a.deps.SiteNodes == nil {
		return []string{a.cfg.Node}
	}
	nodes := a.deps.SiteNodes()
	if len(nodes) == 0 {
		return []string{a.cfg.Node}
	}
	return placement.New(nodes).Owners(key, a.cfg.Masters)
}

// waitForMaster asks a master for the file's last byte every MasterProbe
// until it has it or MasterWait has passed. A master makes a file's
// slices visible one after the other, the last one last (fetchFrom), so
// its last byte answers only once it holds the whole file; its first
// byte answers as soon as the first slice is committed, and a copy begun
// then would miss the next slice and fetch the file from the origin a
// second time.
func (a *Agent) waitForMaster(ctx context.Context, e manifest.Entry, p Source) bool {
	deadline := time.Now().Add(a.cfg.MasterWait)
	last := max(e.Size-1, 0)
	for {
		obj, err := p.Fetch(ctx, origin.Request{Key: e.Key, Offset: last, Length: 1})
		if err == nil {
			obj.Body.Close()
			return true
		}
		if time.Now().Add(a.cfg.MasterProbe).After(deadline) {
			return false
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(a.cfg.MasterProbe):
		}
	}
}
