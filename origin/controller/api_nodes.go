package controller

import (
	"net/http"

	"github.com/vodedge/vodedge/internal/heartbeat"
)

// HeartbeatReply answers a heartbeat.
type HeartbeatReply struct {
	State string `json:"state"`
	// GraceSeconds is how long the node stays planned without another.
	GraceSeconds float64 `json:"grace_seconds"`
}

// handleHeartbeat is POST /v1/nodes/heartbeat: a node reports itself to
// the registry (registry.go). 400 names a bad field; 422 an unknown
// site; 409 a node name live in another site; 403 a node's own token
// used for another node.
func (s *Server) handleHeartbeat(w http.ResponseWriter, r *http.Request) {
	rep, err := heartbeat.Parse(r.Body)
	if err == nil {
		err = checkNode(r.Context(), rep.Name)
	}
	if err == nil {
		var state string
		if state, err = s.reg.heartbeat(rep); err == nil {
			s.m.heartbeats.WithLabelValues("accepted").Inc()
			writeJSON(w, http.StatusOK, HeartbeatReply{State: state, GraceSeconds: s.cfg.Registry.Grace.Seconds()})
			return
		}
	}
	s.m.heartbeats.WithLabelValues("rejected").Inc()
	s.fail(w, r, err)
}

// Sites is GET /v1/sites: every site's nodes with their source, state
// and last report.
type Sites struct {
	GraceSeconds float64     `json:"grace_seconds"`
	Sites        []SiteNodes `json:"sites"`
}

func (s *Server) handleSites(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, Sites{GraceSeconds: s.cfg.Registry.Grace.Seconds(), Sites: s.reg.view()})
}

// handleForget is DELETE /v1/nodes/{site}/{name}: a registered node is
// planned no more from the next manifest (409 for a static node).
func (s *Server) handleForget(w http.ResponseWriter, r *http.Request) {
	if err := s.reg.forget(r.PathValue("site"), r.PathValue("name")); err != nil {
		s.fail(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
