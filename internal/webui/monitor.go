package webui

import (
	"cmp"
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Snapshot is the status page's data: GET /api/status.
type Snapshot struct {
	Time    time.Time     `json:"time"`
	Summary map[Level]int `json:"summary"` // nodes per state
	Sites   []SiteStatus  `json:"sites"`
	// Steering is "" when steering answered, else why it did not.
	SteeringError string `json:"steering_error,omitempty"`
	// RegistryError is "" when the controller's registry answered.
	RegistryError string `json:"registry_error,omitempty"`
	// Controls says the page may offer stop and start buttons (the demo).
	Controls bool `json:"controls"`
}

// SiteStatus is one site: its nodes and what steering sees and decides.
type SiteStatus struct {
	Name     string       `json:"name"`
	State    Level        `json:"state"` // the worst of its nodes
	Nodes    []NodeStatus `json:"nodes"`
	Steering *SiteSteer   `json:"steering,omitempty"`
	// Registry is the site's nodes in the controller's registry.
	Registry []RegistryNode `json:"registry,omitempty"`
	// Parents are the sites it fills from (tiered fill), per the registry.
	Parents []string `json:"parents,omitempty"`
}

// SiteSteer is steering's view of a site.
type SiteSteer struct {
	// Nodes maps node name to steering's state for it: ok, down,
	// draining or overloaded.
	Nodes map[string]string `json:"nodes"`
	// Outcomes counts decisions whose best site this is, by outcome
	// (best, health_miss, content_miss, origin, none), since steering
	// started.
	Outcomes map[string]float64 `json:"outcomes"`
	// PassedOver counts nodes passed over by reason, over all sites.
	PassedOver map[string]float64 `json:"passed_over"`
}

// NodeStatus is one node on the status page.
type NodeStatus struct {
	Name     string    `json:"name"`
	Site     string    `json:"site"`
	Admin    string    `json:"admin"`
	URL      string    `json:"url,omitempty"` // public address
	State    Level     `json:"state"`
	Problems []Problem `json:"problems"`
	// Reachable: its admin API answered this poll (else the figures
	// below are empty).
	Reachable bool `json:"reachable"`
	// Cluster is the node's state in its site's gossip: ok, draining,
	// degraded, leaving, or suspect/dead/left as its peers see it;
	// "unknown" when no one answers for it.
	Cluster string `json:"cluster"`
	// Sees and Members: alive members of its site the node sees, and
	// the site's members it knows of.
	Sees    int `json:"sees"`
	Members int `json:"members"`
	// Unseen are members the node sees down although they answer.
	Unseen    []string `json:"unseen,omitempty"`
	Version   string   `json:"version,omitempty"`
	EgressBps float64  `json:"egress_bps"`
	Load      float64  `json:"load"`
	// Requests and Bytes served since start, by tier (HIT-RAM,
	// HIT-DISK, MISS); HitRatio is the share of bytes per tier.
	Requests map[string]float64 `json:"requests"`
	Bytes    map[string]float64 `json:"bytes"`
	HitRatio map[string]float64 `json:"hit_ratio"`
	RAM      Usage              `json:"ram"`
	Disk     DiskUsage          `json:"disk"`
	Fill     *FillStatus        `json:"fill,omitempty"`
	LastSeen time.Time          `json:"last_seen,omitzero"`
	// Registry is its entry in the controller's registry, if any.
	Registry *RegistryNode `json:"registry,omitempty"`
}

// Usage is a tier's fill level.
type Usage struct {
	Bytes    float64 `json:"bytes"`
	Capacity float64 `json:"capacity"`
}

// DiskUsage is the disk tier's.
type DiskUsage struct {
	Usage
	Objects  float64 `json:"objects"`
	Degraded bool    `json:"degraded"`
	// Disks maps each disk's name to its state: serving, degraded
	// (serving, admitting nothing new), failed or offline.
	Disks map[string]string `json:"disks,omitempty"`
}

// diskStates reads each disk's state from vodedge_disk_state.
func diskStates(f families) map[string]string {
	out := map[string]string{}
	for _, st := range []string{"serving", "degraded", "failed", "offline"} {
		for name, v := range f.by("vodedge_disk_state", "disk", "state", st) {
			if v > 0 {
				out[name] = st
			}
		}
	}
	return out
}

// knownNode is a node the monitor has seen.
type knownNode struct {
	name, site, admin, url string
	lastSeen               time.Time
}

// Monitor polls the admin listeners; see the package doc.
type Monitor struct {
	cfg   Config
	probe prober
	reg   Registry // nil: none
	now   func() time.Time
	poll  chan struct{} // a token: one poll at a time

	mu    sync.Mutex // protects the fields below
	last  *Snapshot
	known map[string]*knownNode // by name; seeds not yet named by admin URL
	prev  map[string]counters
}

func newMonitor(cfg Config, hc *http.Client, reg Registry, now func() time.Time) *Monitor {
	m := &Monitor{cfg: cfg, probe: prober{http: hc, token: cfg.AdminToken}, reg: reg, now: now,
		poll: make(chan struct{}, 1), known: map[string]*knownNode{}, prev: map[string]counters{}}
	for _, e := range cfg.Edges {
		m.known[e] = &knownNode{name: e, admin: e}
	}
	return m
}

// Snapshot returns a snapshot at most MinInterval old, polling if needed.
func (m *Monitor) Snapshot(ctx context.Context) *Snapshot {
	if s := m.fresh(); s != nil {
		return s
	}
	select {
	case m.poll <- struct{}{}:
	case <-ctx.Done():
		return m.lastOrEmpty()
	}
	defer func() { <-m.poll }()
	if s := m.fresh(); s != nil {
		return s // polled while this caller waited
	}
	pctx, cancel := context.WithTimeout(ctx, 2*m.cfg.Timeout+time.Second)
	defer cancel()
	s := m.collect(pctx)
	m.mu.Lock()
	m.last = s
	m.mu.Unlock()
	return s
}

func (m *Monitor) fresh() *Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last != nil && m.now().Sub(m.last.Time) < m.cfg.MinInterval {
		return m.last
	}
	return nil
}

func (m *Monitor) lastOrEmpty() *Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.last != nil {
		return m.last
	}
	return &Snapshot{Time: m.now(), Summary: map[Level]int{}, Sites: []SiteStatus{}}
}

// collect polls every known node (and the ones their cluster views name
// that are not known yet) and steering, then builds the snapshot.
func (m *Monitor) collect(ctx context.Context) *Snapshot {
	probes := map[string]*nodeProbe{} // by admin URL
	var steer steerView
	var reg registryView
	var wg sync.WaitGroup
	wg.Go(func() { steer = m.steering(ctx) })
	wg.Go(func() { reg = m.registry(ctx) })
	for round := 0; round < 2; round++ {
		todo := m.unprobed(probes)
		if len(todo) == 0 {
			break
		}
		var mu sync.Mutex
		var rw sync.WaitGroup
		for _, admin := range todo {
			rw.Go(func() {
				p := m.probe.node(ctx, admin)
				mu.Lock()
				probes[admin] = p
				mu.Unlock()
			})
		}
		rw.Wait()
		m.learn(probes)
	}
	wg.Wait()
	return m.build(probes, steer, reg)
}

// unprobed lists the admin URLs of known nodes not polled in this round.
func (m *Monitor) unprobed(done map[string]*nodeProbe) []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, k := range m.known {
		if _, ok := done[k.admin]; !ok && k.admin != "" {
			out = append(out, k.admin)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// learn records the nodes the probes named: each answering node under
// its own name (replacing its seed entry), and the members of its view.
func (m *Monitor) learn(probes map[string]*nodeProbe) {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.now()
	for admin, p := range probes {
		if p.cluster == nil {
			continue
		}
		if k := m.known[admin]; k != nil && k.name == admin {
			delete(m.known, admin) // the seed now has a name
		}
		for _, mb := range p.cluster.Members {
			if mb.State == "watching" || mb.AdminAddr == "" {
				continue // steering's watcher, or a member without admin
			}
			k := m.known[mb.Name]
			if k == nil {
				k = &knownNode{name: mb.Name}
				m.known[mb.Name] = k
			}
			k.site, k.url = mb.Site, mb.HTTPAddr
			k.admin = adminURL(mb.AdminAddr)
			if seed := m.known[k.admin]; seed != nil && seed.name == k.admin {
				delete(m.known, k.admin) // a seed that did not answer, now named by its peers
			}
			if mb.Self {
				k.admin, k.lastSeen = admin, now
			}
		}
	}
}

func adminURL(addr string) string {
	if strings.HasPrefix(addr, "http://") || strings.HasPrefix(addr, "https://") {
		return addr
	}
	return "http://" + addr
}

// steerView is what steering answered.
type steerView struct {
	err     error
	sites   []steerSite
	metrics families
}

func (m *Monitor) steering(ctx context.Context) steerView {
	var v steerView
	if m.cfg.SteerAdmin == "" {
		return v
	}
	if v.err = m.probe.getJSON(ctx, m.cfg.SteerAdmin+"/v1/sites", &v.sites); v.err != nil {
		return v
	}
	v.metrics, v.err = m.probe.metrics(ctx, m.cfg.SteerAdmin)
	return v
}

// build turns the probes into the snapshot.
func (m *Monitor) build(probes map[string]*nodeProbe, steer steerView, reg registryView) *Snapshot {
	m.mu.Lock()
	defer m.mu.Unlock()
	snap := &Snapshot{Time: m.now(), Summary: map[Level]int{OK: 0, Warn: 0, Error: 0}, Sites: []SiteStatus{}, Controls: m.cfg.controls}
	if steer.err != nil {
		snap.SteeringError = steer.err.Error()
	}
	if reg.err != nil {
		snap.RegistryError = reg.err.Error()
	}
	peers := peerViews(probes)
	answering := map[string]bool{}
	for _, p := range probes {
		if p.err == nil && p.cluster != nil {
			answering[p.cluster.Node] = true
		}
	}
	steerStates := map[string]string{}
	for _, s := range steer.sites {
		for _, n := range s.Nodes {
			steerStates[n.Name] = n.State
		}
	}
	sites := map[string]*SiteStatus{}
	for _, k := range m.known {
		p := probes[k.admin]
		n := m.nodeStatus(k, p, peers[k.name], steerStates[k.name], answering)
		site := sites[n.Site]
		if site == nil {
			site = &SiteStatus{Name: n.Site, State: OK}
			sites[n.Site] = site
		}
		site.Nodes = append(site.Nodes, n)
	}
	applyRegistry(sites, reg, snap.Time)
	for _, s := range sites {
		for _, n := range s.Nodes {
			s.State = worst(s.State, n.State)
			snap.Summary[n.State]++
		}
	}
	for _, s := range steer.sites {
		if sites[s.Name] == nil {
			sites[s.Name] = &SiteStatus{Name: s.Name, State: OK}
		}
	}
	for _, s := range sites {
		slices.SortFunc(s.Nodes, func(a, b NodeStatus) int { return cmp.Compare(a.Name, b.Name) })
		s.Steering = siteSteer(s.Name, steer)
		snap.Sites = append(snap.Sites, *s)
	}
	slices.SortFunc(snap.Sites, func(a, b SiteStatus) int { return cmp.Compare(a.Name, b.Name) })
	return snap
}

// peerViews returns, per node name, its entry in another node's view
// (the freshest opinion that is not its own).
func peerViews(probes map[string]*nodeProbe) map[string]*memberStatus {
	out := map[string]*memberStatus{}
	for _, p := range probes {
		if p.cluster == nil {
			continue
		}
		for i := range p.cluster.Members {
			mb := &p.cluster.Members[i]
			if !mb.Self && (out[mb.Name] == nil || mb.State == "dead" || mb.State == "left") {
				out[mb.Name] = mb
			}
		}
	}
	return out
}

// nodeStatus fills one node's row; m.mu is held.
func (m *Monitor) nodeStatus(k *knownNode, p *nodeProbe, peer *memberStatus, steerState string, answering map[string]bool) NodeStatus {
	n := NodeStatus{Name: k.name, Site: k.site, Admin: k.admin, URL: k.url, Cluster: "unknown", LastSeen: k.lastSeen,
		Problems: []Problem{}, Requests: map[string]float64{}, Bytes: map[string]float64{}, HitRatio: map[string]float64{}}
	if peer != nil {
		n.Cluster = peer.State
	}
	var cur counters
	if p != nil && p.err == nil {
		k.lastSeen, n.LastSeen, n.Reachable = m.now(), m.now(), true
		n.Fill = p.fill
		fromView(&n, p.cluster, answering)
		cur = fromMetrics(&n, p.metrics)
	}
	delta := counters{}
	if prev, ok := m.prev[k.name]; ok && p != nil && p.err == nil {
		delta = counters{originErrors: cur.originErrors - prev.originErrors,
			checksumFailures: cur.checksumFailures - prev.checksumFailures, fillFailures: cur.fillFailures - prev.fillFailures}
	}
	if p != nil && p.err == nil {
		m.prev[k.name] = cur
	}
	assess(&n, p, peer, steerState, delta)
	return n
}

// fromView takes the node's own cluster entry, counts the members of its
// site it sees alive, and lists those it sees down although they answer
// the monitor (a partition, or gossip trouble on this node).
func fromView(n *NodeStatus, v *clusterView, answering map[string]bool) {
	if v == nil {
		return
	}
	for _, mb := range v.Members {
		if mb.State == "watching" || mb.Site != v.Site {
			continue
		}
		n.Members++
		if mb.State != "dead" && mb.State != "left" && mb.State != "suspect" {
			n.Sees++
		} else if answering[mb.Name] {
			n.Unseen = append(n.Unseen, mb.Name)
		}
		if mb.Self {
			n.Cluster, n.Version, n.Load, n.URL = mb.State, mb.Version, mb.Load, mb.HTTPAddr
			if n.Site == "" {
				n.Site = mb.Site
			}
		}
	}
}

// fromMetrics reads the node's figures and returns its counters.
func fromMetrics(n *NodeStatus, f families) counters {
	if f == nil {
		return counters{}
	}
	n.Requests = f.by("vodedge_edge_requests_total", "tier")
	n.Bytes = f.by("vodedge_edge_response_bytes_total", "tier")
	total := 0.0
	for _, tier := range []string{"HIT-RAM", "HIT-DISK", "MISS"} {
		total += n.Bytes[tier]
	}
	for _, tier := range []string{"HIT-RAM", "HIT-DISK", "MISS"} {
		if total > 0 {
			n.HitRatio[tier] = n.Bytes[tier] / total
		}
	}
	n.EgressBps = f.sum("vodedge_cluster_egress_bits_per_second")
	n.RAM = Usage{Bytes: f.sum("vodedge_ram_bytes"), Capacity: f.sum("vodedge_ram_capacity_bytes")}
	n.Disk = DiskUsage{Usage: Usage{Bytes: f.sum("vodedge_disk_bytes"), Capacity: f.sum("vodedge_disk_capacity_bytes")},
		Objects: f.sum("vodedge_disk_objects"), Degraded: f.sum("vodedge_disk_degraded") > 0, Disks: diskStates(f)}
	origin := f.sum("vodedge_edge_origin_fetches_total")
	origin -= f.sum("vodedge_edge_origin_fetches_total", "result", "ok") + f.sum("vodedge_edge_origin_fetches_total", "result", "not_found")
	return counters{
		originErrors:     origin,
		checksumFailures: f.sum("vodedge_disk_checksum_failures_total"),
		fillFailures:     f.sum("vodedge_fill_failures_total"),
	}
}

// siteSteer is steering's view of one site, nil without steering.
func siteSteer(site string, v steerView) *SiteSteer {
	if v.err != nil || v.metrics == nil {
		return nil
	}
	out := &SiteSteer{Nodes: map[string]string{},
		Outcomes:   v.metrics.by("vodedge_steer_site_decisions_total", "outcome", "site", site),
		PassedOver: v.metrics.by("vodedge_steer_passed_over_total", "reason")}
	for _, s := range v.sites {
		if s.Name == site {
			for _, n := range s.Nodes {
				out.Nodes[n.Name] = n.State
			}
		}
	}
	return out
}
