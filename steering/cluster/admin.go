package cluster

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/vodedge/vodedge/internal/admin"
)

// Status is the JSON answer of GET /v1/cluster, as `vodedge status`
// reads it.
type Status struct {
	Node          string         `json:"node"`
	Site          string         `json:"site"`
	OwnersPerFile int            `json:"owners_per_file"`
	Members       []MemberStatus `json:"members"`
}

// MemberStatus is one member in Status.
type MemberStatus struct {
	Name string `json:"name"`
	Self bool   `json:"self,omitempty"`
	Site string `json:"site"`
	// State is the effective state: ok, draining, degraded, leaving (what
	// the node says) when it is alive, else suspect, dead or left.
	State      string  `json:"state"`
	NodeState  string  `json:"node_state"`
	Liveness   string  `json:"liveness"`
	Placed     bool    `json:"placed"` // owns files in its site's placement
	GossipAddr string  `json:"gossip_addr"`
	HTTPAddr   string  `json:"http_addr"`
	TLSPort    uint16  `json:"tls_port,omitempty"`
	AdminAddr  string  `json:"admin_addr"`
	PeerAddr   string  `json:"peer_addr"`
	Weight     float64 `json:"weight"`
	// Load is egress / capacity as last published (0 without capacity).
	Load        float64   `json:"load"`
	EgressBps   uint64    `json:"egress_bps"`
	CapacityBps uint64    `json:"capacity_bps"`
	Version     string    `json:"version"`
	LastChange  time.Time `json:"last_change"`
	Error       string    `json:"error,omitempty"` // metadata not understood
}

// Status returns this node's view of the cluster.
func (c *Cluster) Status() Status {
	st := Status{Node: c.cfg.Name, Site: c.cfg.Meta.Site, OwnersPerFile: c.cfg.Owners, Members: []MemberStatus{}}
	for _, m := range c.Members() {
		ms := MemberStatus{
			Name: m.Name, Self: m.Self, Site: m.Site, State: m.EffectiveState(), NodeState: m.State.String(),
			Liveness: m.Liveness.String(), Placed: m.usable(), GossipAddr: m.GossipAddr,
			HTTPAddr: m.HTTPAddr, TLSPort: m.TLSPort, AdminAddr: m.AdminAddr, PeerAddr: m.PeerAddr, Weight: m.Weight,
			Load: m.Load(), EgressBps: m.EgressBps, CapacityBps: m.CapacityBps, Version: m.Version,
			LastChange: m.LastChange.UTC(),
		}
		if m.MetaErr != nil {
			ms.Error = m.MetaErr.Error()
		}
		st.Members = append(st.Members, ms)
	}
	return st
}

// AdminRoutes returns the cluster's admin API, to be mounted on the admin
// listener behind authentication (internal/admin.RequireToken):
//
//	GET  /v1/cluster   this node's view of the members (Status)
//	POST /v1/drain     drain this node: it keeps serving, gets no new files or clients
//	POST /v1/undrain   undo a drain
func (c *Cluster) AdminRoutes() *admin.Mux {
	mux := admin.NewMux()
	mux.HandleFunc("GET /v1/cluster", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, c.Status())
	})
	mux.HandleFunc("POST /v1/drain", func(w http.ResponseWriter, _ *http.Request) { c.drainAnswer(w, true) })
	mux.HandleFunc("POST /v1/undrain", func(w http.ResponseWriter, _ *http.Request) { c.drainAnswer(w, false) })
	return mux
}

// DrainResult is the JSON answer of POST /v1/drain and /v1/undrain.
type DrainResult struct {
	Node    string `json:"node"`
	State   string `json:"state"`
	Changed bool   `json:"changed"`
}

func (c *Cluster) drainAnswer(w http.ResponseWriter, on bool) {
	changed := c.SetDraining(on)
	writeJSON(w, http.StatusOK, DrainResult{Node: c.cfg.Name, State: c.Local().State.String(), Changed: changed})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
