package steering

import (
	"encoding/json"
	"net/http"
	"net/netip"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/steering/bgp"
)

// AdminRoutes returns steering's admin API, for the admin listener behind
// internal/admin.RequireToken:
//
//	GET  /v1/sites                  every site's nodes as steering sees them
//	GET  /v1/prefixes[?site=S]      the prefix table, with each route's sources
//	GET  /v1/bgp                    BGP sessions
//	GET  /v1/decide?client=IP&file=PATH   a decision for any client (not logged)
//	POST /v1/reload                 read the static prefix files again
func (s *Service) AdminRoutes() *admin.Mux {
	mux := admin.NewMux()
	mux.HandleFunc("GET /v1/sites", func(w http.ResponseWriter, _ *http.Request) { writeJSON(w, http.StatusOK, s.Sites()) })
	mux.HandleFunc("GET /v1/prefixes", s.handlePrefixes)
	mux.HandleFunc("GET /v1/bgp", func(w http.ResponseWriter, _ *http.Request) {
		sessions := []bgp.Session{}
		if s.speaker != nil {
			sessions = s.speaker.Sessions()
		}
		writeJSON(w, http.StatusOK, sessions)
	})
	mux.HandleFunc("GET /v1/decide", s.handleDecide)
	mux.HandleFunc("POST /v1/reload", func(w http.ResponseWriter, _ *http.Request) {
		if err := s.Reload(); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
		v4, v6 := s.table.Count()
		writeJSON(w, http.StatusOK, map[string]int{"prefixes_v4": v4, "prefixes_v6": v6})
	})
	return mux
}

// SiteStatus is a site as steering sees it.
type SiteStatus struct {
	Name   string       `json:"name"`
	Owners int          `json:"owners_per_file"`
	Nodes  []NodeStatus `json:"nodes"`
}

// NodeStatus is a node as steering sees it.
type NodeStatus struct {
	Name  string  `json:"name"`
	URL   string  `json:"url"`
	State string  `json:"state"` // ok, down, draining, overloaded
	Load  float64 `json:"load"`
}

// Sites returns every site's nodes.
func (s *Service) Sites() []SiteStatus {
	out := []SiteStatus{}
	for _, sc := range s.engine.cfg.Sites {
		v := s.engine.slots[sc.Name].view.Load()
		st := SiteStatus{Name: sc.Name, Owners: sc.Owners, Nodes: []NodeStatus{}}
		for i := range v.nodes {
			n := &v.nodes[i]
			st.Nodes = append(st.Nodes, NodeStatus{Name: n.name, URL: n.base, State: n.state(), Load: n.load})
		}
		out = append(out, st)
	}
	return out
}

func (s *Service) handlePrefixes(w http.ResponseWriter, r *http.Request) {
	site := r.URL.Query().Get("site")
	type route struct {
		Prefix  string   `json:"prefix"`
		Site    string   `json:"site"`
		Sources []string `json:"sources"`
	}
	out := []route{}
	for _, ri := range s.table.Routes() {
		if site == "" || ri.Site == site {
			out = append(out, route{ri.Prefix.String(), ri.Site, ri.Sources})
		}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Service) handleDecide(w http.ResponseWriter, r *http.Request) {
	addr, err := netip.ParseAddr(r.URL.Query().Get("client"))
	file := r.URL.Query().Get("file")
	if err != nil || !urlsign.ValidPath(file) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "want ?client=IP&file=/absolute/path"})
		return
	}
	var d Decision
	s.engine.Decide(addr, file, &d)
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(append(appendAnswer(nil, &d), '\n'))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}
