package controller

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/vodedge/vodedge/internal/tiergrant"
)

// Tiered fill: sites form a tree, as embedded ISP sites fill from the
// exchange-point sites near them. The sites file names each site's
// parents (preference order; validParents refuses unknown sites, the
// site itself and cycles). A child site's fill masters fetch a file from
// the parent site's node that owns it, before the origin.
//
// GET /v1/parents/{site} (behind the API's tokens; a node's own token
// opens its own site's only, 403 otherwise) answers the child's nodes with a tiergrant.Directory:
// each parent's live nodes that reported a peer address (name, weight,
// peer address, from their heartbeats), and a grant "site may fetch from
// these parents until now + ParentGrantTTL" signed with the manifest
// key, which the parents' nodes check on their peer listeners. 404 for
// an unknown site or one without parents, or when manifests are off (no
// key to sign with).
//
// Why not in the manifest: the manifest changes when the plan changes
// and travels as deltas, signed once per version; the parents' liveness
// changes on its own clock and the grant must be renewed before it
// expires. A separate small document, polled with the manifest, keeps
// the manifest's format, its deltas and an old edge's parsing as they
// are. Which parent node holds a file is not listed per group either:
// the child asks the node that owns the file in the parent's own
// placement (rendezvous hashing of the key over the parent's live nodes
// and weights, what the parent's cluster computes), which fetches from
// the origin on a miss (pull-through), so the parent need not have
// filled first.

// DefaultParentGrantTTL is how long a grant lasts: several of the
// edges' default 5-minute polls, so one failed poll does not cut a
// child off its parents.
const DefaultParentGrantTTL = 20 * time.Minute

func (s *Server) handleParents(w http.ResponseWriter, r *http.Request) {
	site := r.PathValue("site")
	if s.cfg.ManifestKey == nil {
		s.fail(w, r, fmt.Errorf("%w: manifests are off (no --manifest-key-file): no grant can be signed", errNotFound))
		return
	}
	if err := s.checkNodeSite(r.Context(), site); err != nil {
		s.fail(w, r, err)
		return
	}
	d, err := s.parentDirectory(site)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, d)
}

// checkNodeSite refuses a node's own credential for another site's
// parents: a grant opens other sites' nodes, so a node gets only its
// own site's (an API token gets any).
func (s *Server) checkNodeSite(ctx context.Context, site string) error {
	node, ok := ctx.Value(nodeKey{}).(string)
	if !ok {
		return nil
	}
	if got := s.reg.siteOf(node); got != site {
		return fmt.Errorf("%w: node %s's credential opens only its own site's parents (it is in %q)", errForbidden, node, got)
	}
	return nil
}

// parentDirectory is site's directory of parents, with a fresh grant.
func (s *Server) parentDirectory(site string) (*tiergrant.Directory, error) {
	parents, ok := s.reg.parents[site]
	if !ok {
		return nil, fmt.Errorf("%w: no site %q", errNotFound, site)
	}
	if len(parents) == 0 {
		return nil, fmt.Errorf("%w: site %s has no parent sites (parents: in the sites file)", errNotFound, site)
	}
	tok, err := tiergrant.Sign(tiergrant.Grant{Site: site, Parents: parents, Expires: s.now().Add(s.cfg.ParentGrantTTL)}, s.cfg.ManifestKey)
	if err != nil {
		return nil, err
	}
	d := &tiergrant.Directory{Site: site, Grant: tok}
	for _, p := range parents {
		d.Parents = append(d.Parents, tiergrant.Parent{Site: p, Nodes: s.reg.peers(p)})
	}
	return d, nil
}

// siteOf returns the site of a node the registry knows ("" if none).
func (r *registry) siteOf(node string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for site, nodes := range r.mu.sites {
		for _, n := range nodes {
			if n.Name == node {
				return site
			}
		}
	}
	return ""
}

// peers returns the site's live nodes that reported a peer address.
func (r *registry) peers(site string) []tiergrant.Node {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := []tiergrant.Node{}
	for _, n := range r.mu.sites[site] {
		if n.PeerAddr != "" && r.state(n, now) != StateExpired {
			out = append(out, tiergrant.Node{Name: n.Name, Weight: n.Weight, PeerAddr: n.PeerAddr})
		}
	}
	return out
}
