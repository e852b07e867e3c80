package controller

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/vodedge/vodedge/internal/heartbeat"
	"github.com/vodedge/vodedge/origin/fillplan"
	"github.com/vodedge/vodedge/origin/kv"
)

// The live node registry: which nodes each site has, for planning.
//
// The sites file (--sites) seeds it: its sites are the known sites and
// its nodes are "static" nodes. A node reports itself with
// POST /v1/nodes/heartbeat (heartbeat.Report: name, site, weight,
// capacity, disks, version, peer address) behind the API's bearer
// tokens, the same token its fill agent polls manifests with — an API
// token, or the node's own (Config.NodeTokens, nodeauth.go), which is
// good for that node's heartbeats only; every
// heartbeat refreshes the node's record and the node's own figures
// (capacity, and weight unless it reports 0) replace the file's. A node
// the file does not name joins its site with its first heartbeat
// ("registered"); DELETE /v1/nodes/{site}/{name} forgets such a node at
// once. A heartbeat for a site the file does not name is refused (422,
// naming the field) unless the operator allows new sites
// (Registry.AllowNewSites).
//
// Liveness, judged on every manifest request (the controller plans per
// poll, so membership changes reach the next manifest without a
// restart): a node that has reported is live while its last heartbeat is
// at most Registry.Grace old; past it the node is "expired", listed but
// planned no more, so its files go to the site's other nodes in the
// next manifest (placement is rendezvous hashing: only its files move).
// A static node that has never reported stays live: edges that do not
// heartbeat (manifests pushed, an older version) must not vanish from
// their site's plan a grace period after the controller starts. Once a
// static node has reported it is held to the grace like any other; to
// retire it for good, take it out of the file too.
//
// Records are kept in the controller's Pebble store (bucket "nodes"),
// written when a node joins or what it reports changes and at least
// every quarter of the grace, so a restarted controller still plans the
// nodes that registered; the grace is counted from the later of the last
// heartbeat and the controller's start, so a controller that was down
// does not drop every node the moment it comes back. A site with no live
// node has no manifest (503) rather than an empty one, which would make
// its nodes let go of everything.

// Registry configures the live node registry.
type Registry struct {
	// Grace is how long a node that has reported stays planned without
	// a heartbeat; default 2 min (four of the edge's default 30 s
	// heartbeats).
	Grace time.Duration
	// AllowNewSites accepts heartbeats for sites the sites file does not
	// name (else 422).
	AllowNewSites bool
}

// DefaultRegistry is a 2-minute grace, known sites only.
func DefaultRegistry() Registry { return Registry{Grace: 2 * time.Minute} }

// Node sources and states, as GET /v1/sites shows them.
const (
	SourceStatic     = "static"     // named by the sites file
	SourceRegistered = "registered" // joined by heartbeat
	StateLive        = "live"       // reported within the grace
	StateSeeded      = "seeded"     // static, never reported: planned
	StateExpired     = "expired"    // silent past the grace: not planned
)

// errNoLiveNodes answers a manifest request for a site whose nodes have
// all expired.
var errNoLiveNodes = errors.New("controller: the site has no live node")

// nodeRecord is a node's registry entry, as stored.
type nodeRecord struct {
	Name       string           `json:"name"`
	Site       string           `json:"site"`
	Static     bool             `json:"static,omitempty"`
	Weight     float64          `json:"weight"`
	Capacity   int64            `json:"capacity_bytes"`
	Disks      []heartbeat.Disk `json:"disks,omitempty"`
	Version    string           `json:"version,omitempty"`
	PeerAddr   string           `json:"peer_addr,omitempty"`
	Joined     time.Time        `json:"joined,omitzero"`
	LastReport time.Time        `json:"last_report,omitzero"` // zero: never reported
	// stored is when the record was last written to the store.
	stored time.Time
}

// registry is the live node registry (see above).
type registry struct {
	cfg     Registry
	now     func() time.Time
	started time.Time
	db      *kv.Bucket // nil keeps it in memory
	// parents are each site's parent sites, from the sites file (fixed).
	parents map[string][]string

	mu struct {
		sync.Mutex
		sites map[string][]*nodeRecord // by site; static nodes first, in file order
	}
}

// newRegistry seeds the registry with the sites file's sites, then
// loads the stored records.
func newRegistry(cfg Registry, sites []fillplan.Site, db *kv.Bucket, now func() time.Time) (*registry, error) {
	r := &registry{cfg: cfg, now: now, started: now(), db: db, parents: map[string][]string{}}
	r.mu.sites = map[string][]*nodeRecord{}
	for _, s := range sites {
		r.parents[s.Name] = slices.Clone(s.Parents)
		r.mu.sites[s.Name] = []*nodeRecord{}
		for _, n := range s.Nodes {
			r.mu.sites[s.Name] = append(r.mu.sites[s.Name], &nodeRecord{Name: n.Name, Site: s.Name, Static: true, Weight: n.Weight, Capacity: n.Capacity})
		}
	}
	if db == nil {
		return r, nil
	}
	err := kv.ScanJSON(db, "", func(_ string, rec *nodeRecord) error {
		r.restore(rec)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("controller: loading the node registry: %w", err)
	}
	return r, nil
}

// restore merges a stored record: a static node keeps its flag from
// the file (a node taken out of the file is registered from now on).
func (r *registry) restore(rec *nodeRecord) {
	nodes, known := r.mu.sites[rec.Site]
	if !known && !r.cfg.AllowNewSites {
		return // the site left the file: forget its nodes
	}
	rec.Static = false
	if i := slices.IndexFunc(nodes, func(n *nodeRecord) bool { return n.Name == rec.Name }); i >= 0 {
		rec.Static = nodes[i].Static
		nodes[i] = rec
		return
	}
	r.mu.sites[rec.Site] = append(nodes, rec)
}

// state is rec's liveness at now; r.mu is held.
func (r *registry) state(rec *nodeRecord, now time.Time) string {
	if rec.LastReport.IsZero() {
		if rec.Static {
			return StateSeeded
		}
		return StateExpired
	}
	if now.Sub(later(rec.LastReport, r.started)) <= r.cfg.Grace {
		return StateLive
	}
	return StateExpired
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// site returns the site's live nodes for planning; ok is false when the
// site is unknown, err set when none of its nodes is live.
func (r *registry) site(name string) (fillplan.Site, bool, error) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	nodes, ok := r.mu.sites[name]
	if !ok {
		return fillplan.Site{}, false, nil
	}
	site := fillplan.Site{Name: name}
	for _, n := range nodes {
		if r.state(n, now) != StateExpired {
			site.Nodes = append(site.Nodes, fillplan.Node{Name: n.Name, Weight: n.Weight, Capacity: n.Capacity})
		}
	}
	if len(site.Nodes) == 0 {
		return site, true, fmt.Errorf("%w: every node of site %q has been silent for over %s", errNoLiveNodes, name, r.cfg.Grace)
	}
	return site, true, nil
}

// heartbeat records a node's report and returns its state.
func (r *registry) heartbeat(rep heartbeat.Report) (string, error) {
	now := r.now()
	r.mu.Lock()
	rec, moved, err := r.recordLocked(rep, now)
	var stored nodeRecord
	store := false
	if err == nil {
		store = r.storeDueLocked(rec, rep, now)
		rec.Capacity, rec.Version, rec.PeerAddr = rep.CapacityBytes, rep.Version, rep.PeerAddr
		rec.Disks = slices.Clone(rep.Disks)
		if rep.Weight > 0 { // 0: keep the file's weight, or 1
			rec.Weight = rep.Weight
		} else if rec.Weight == 0 {
			rec.Weight = 1
		}
		if rec.LastReport.IsZero() || r.state(rec, now) == StateExpired {
			rec.Joined = now
		}
		rec.LastReport = now
		if store {
			rec.stored = now
		}
		stored = *rec
	}
	r.mu.Unlock()
	if err != nil {
		return "", err
	}
	if r.db != nil { // outside the lock: the store syncs
		for _, key := range moved {
			if err := r.db.Delete(key); err != nil {
				return "", fmt.Errorf("controller: storing node %s: %w", stored.Name, err)
			}
		}
		if store {
			if err := r.db.Put(stored.Site+"/"+stored.Name, &stored); err != nil {
				return "", fmt.Errorf("controller: storing node %s: %w", stored.Name, err)
			}
		}
	}
	return StateLive, nil
}

// storeDueLocked says whether a heartbeat must be written to the store:
// when the node joins or comes back, when what the planner uses or
// the operator reads changes (weight, capacity, version, peer address),
// or when the stored copy is a quarter of the grace old. The others
// change only the in-memory record: a thousand nodes heartbeating every
// 30 s would otherwise sync the store 33 times a second, and after a
// restart the grace counts from the start anyway.
func (r *registry) storeDueLocked(rec *nodeRecord, rep heartbeat.Report, now time.Time) bool {
	return rec.LastReport.IsZero() || r.state(rec, now) == StateExpired ||
		(rep.Weight > 0 && rep.Weight != rec.Weight) || rep.CapacityBytes != rec.Capacity ||
		rep.Version != rec.Version || rep.PeerAddr != rec.PeerAddr || now.Sub(rec.stored) >= r.cfg.Grace/4
}

// recordLocked finds or adds the node's record, and returns the store
// keys of the expired records it dropped (the node moved site); r.mu is
// held.
func (r *registry) recordLocked(rep heartbeat.Report, now time.Time) (*nodeRecord, []string, error) {
	nodes, ok := r.mu.sites[rep.Site]
	if !ok && !r.cfg.AllowNewSites {
		return nil, nil, fmt.Errorf("%w: field \"site\": no site %q in the sites file (or start the controller with --registry-new-sites)", errUnprocessable, rep.Site)
	}
	for site, others := range r.mu.sites {
		for _, n := range others {
			if n.Name == rep.Name && site != rep.Site && (n.Static || r.state(n, now) != StateExpired) {
				return nil, nil, fmt.Errorf("%w: field \"site\": node %s belongs to site %s (wait for it to expire there, or change the sites file)", errConflict, rep.Name, site)
			}
		}
	}
	if i := slices.IndexFunc(nodes, func(n *nodeRecord) bool { return n.Name == rep.Name }); i >= 0 {
		return nodes[i], nil, nil
	}
	var moved []string // expired records of the node in other sites
	for site, others := range r.mu.sites {
		r.mu.sites[site] = slices.DeleteFunc(others, func(n *nodeRecord) bool {
			if n.Name == rep.Name {
				moved = append(moved, site+"/"+n.Name)
				return true
			}
			return false
		})
	}
	rec := &nodeRecord{Name: rep.Name, Site: rep.Site}
	r.mu.sites[rep.Site] = append(r.mu.sites[rep.Site], rec)
	return rec, moved, nil
}

// SiteNodes is a site in GET /v1/sites.
type SiteNodes struct {
	Name string `json:"name"`
	// Parents are the sites it fills from before the origin (tierfill.go).
	Parents []string   `json:"parents,omitempty"`
	Live    int        `json:"live"` // nodes planned (live or seeded)
	Nodes   []NodeView `json:"nodes"`
}

// NodeView is a node in GET /v1/sites.
type NodeView struct {
	Name          string           `json:"name"`
	Source        string           `json:"source"` // static or registered
	State         string           `json:"state"`  // live, seeded or expired
	Weight        float64          `json:"weight"`
	CapacityBytes int64            `json:"capacity_bytes"`
	Disks         []heartbeat.Disk `json:"disks,omitempty"`
	Version       string           `json:"version,omitempty"`
	PeerAddr      string           `json:"peer_addr,omitempty"`
	Joined        time.Time        `json:"joined,omitzero"`
	LastReport    time.Time        `json:"last_report,omitzero"`
	// AgeSeconds is how long ago it last reported (absent if never).
	AgeSeconds *float64 `json:"age_seconds,omitempty"`
}

// view lists every site and node, sites by name.
func (r *registry) view() []SiteNodes {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make([]SiteNodes, 0, len(r.mu.sites))
	for name, nodes := range r.mu.sites {
		sn := SiteNodes{Name: name, Parents: r.parents[name], Nodes: make([]NodeView, 0, len(nodes))}
		for _, n := range nodes {
			v := NodeView{Name: n.Name, Source: SourceRegistered, State: r.state(n, now), Weight: n.Weight, CapacityBytes: n.Capacity,
				Disks: slices.Clone(n.Disks), Version: n.Version, PeerAddr: n.PeerAddr, Joined: n.Joined, LastReport: n.LastReport}
			if n.Static {
				v.Source = SourceStatic
			}
			if !n.LastReport.IsZero() {
				age := now.Sub(n.LastReport).Seconds()
				v.AgeSeconds = &age
			}
			if v.State != StateExpired {
				sn.Live++
			}
			sn.Nodes = append(sn.Nodes, v)
		}
		out = append(out, sn)
	}
	slices.SortFunc(out, func(a, b SiteNodes) int { return cmp.Compare(a.Name, b.Name) })
	return out
}

// forget removes a registered node at once (a node retired for good
// need not wait for its grace); a static node must leave the sites file.
func (r *registry) forget(site, name string) error {
	r.mu.Lock()
	i := slices.IndexFunc(r.mu.sites[site], func(n *nodeRecord) bool { return n.Name == name })
	switch {
	case i < 0:
		r.mu.Unlock()
		return fmt.Errorf("%w: no node %q in site %q", errNotFound, name, site)
	case r.mu.sites[site][i].Static:
		r.mu.Unlock()
		return fmt.Errorf("%w: node %s is in the sites file: remove it there and restart the controller", errConflict, name)
	}
	r.mu.sites[site] = slices.Delete(r.mu.sites[site], i, i+1)
	r.mu.Unlock()
	if r.db != nil {
		return r.db.Delete(site + "/" + name)
	}
	return nil
}
