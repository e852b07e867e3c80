package controller

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/vodedge/vodedge/internal/admin"
)

// routes builds the handler: the API under /v1/ and the store at /.
func (s *Server) routes() http.Handler {
	api := admin.NewMux()
	api.HandleFunc("POST /v1/titles", s.handleIngest)
	api.HandleFunc("GET /v1/titles", s.handleSearch)
	api.HandleFunc("GET /v1/titles/{id}", s.handleTitle)
	api.HandleFunc("PATCH /v1/titles/{id}", s.handlePatchTitle)
	api.HandleFunc("GET /v1/titles/{id}/qc", s.handleQCReport)
	api.HandleFunc("PUT /v1/titles/{id}/markers", s.handlePutMarkers)
	api.HandleFunc("PUT /v1/titles/{id}/poster", s.handlePoster)
	api.HandleFunc("PUT /v1/titles/{id}/subtitles/{lang}", s.handlePutSubtitles)
	api.HandleFunc("DELETE /v1/titles/{id}/subtitles/{lang}", s.handleDeleteSubtitles)
	api.HandleFunc("POST /v1/titles/{id}/approve", s.handleApprove)
	api.HandleFunc("POST /v1/titles/{id}/restore", s.handleClass("hot"))
	api.HandleFunc("POST /v1/titles/{id}/demote", s.handleClass("cold"))
	api.HandleFunc("POST /v1/restores", s.handleRestore)
	api.HandleFunc("GET /v1/jobs", s.handleJobs)
	api.HandleFunc("GET /v1/jobs/{id}", s.handleJob)
	api.HandleFunc("POST /v1/jobs/{id}/cancel", s.handleJobOp(s.cancelJob))
	api.HandleFunc("POST /v1/jobs/{id}/retry", s.handleJobOp(s.retryJob))
	api.HandleFunc("POST /v1/popularity/logs", s.handleLogs)
	api.HandleFunc("POST /v1/popularity/batches/{node}", s.handleBatch)
	api.HandleFunc("GET /v1/popularity/files", s.handlePopularity(false))
	api.HandleFunc("GET /v1/popularity/titles", s.handlePopularity(true))
	api.HandleFunc("POST /v1/tiering/run", s.handleTiering)
	api.HandleFunc("GET /v1/status", s.handleStatus)
	api.HandleFunc("GET /v1/manifests/{site}", s.handleManifest)
	api.HandleFunc("GET /v1/indexes/{hash}", s.handleIndex)
	api.HandleFunc("POST /v1/fill/reports/{node}", s.handleFillReport)
	api.HandleFunc("GET /v1/fill/reports", s.handleFillReports)
	api.HandleFunc("POST /v1/nodes/heartbeat", s.handleHeartbeat)
	api.HandleFunc("GET /v1/sites", s.handleSites)
	api.HandleFunc("GET /v1/parents/{site}", s.handleParents)
	api.HandleFunc("DELETE /v1/nodes/{site}/{name}", s.handleForget)
	api.HandleFunc("GET /v1/routes", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, api.Patterns())
	})
	api.HandleFunc("/v1/", func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, fmt.Errorf("%w: no API route %s %s (see `vodedge origin --help`)", errNotFound, r.Method, r.URL.Path))
	})

	root := http.NewServeMux()
	root.Handle("/v1/", s.authorize(api))
	if !s.cfg.Public.Disabled {
		root.Handle("/public/v1/", s.publicRoutes())
	}
	root.HandleFunc("GET /titles/", s.handleFile)
	root.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		http.Error(w, "not found: published files are under /titles/, the API under /v1/", http.StatusNotFound)
	})
	return root
}

// authorize requires a bearer token on the API when tokens are
// configured (internal/admin's check, shared with the edge's admin API).
// Refused calls and calls that change something are audit-logged;
// authorized reads are not (the ingest command polls its job several
// times a second), nor the nodes' routine posts (a heartbeat and a fill
// report every 30 s, an access-log batch every few seconds, from every
// edge).
//
// A node's own token (Config.NodeTokens) opens the node routes only
// (nodeauth.go).
func (s *Server) authorize(next http.Handler) http.Handler {
	if len(s.cfg.APITokens) == 0 {
		return next
	}
	api := admin.Audited(s.cfg.APITokens, s.log, next, func(r *http.Request) bool {
		routine := r.URL.Path == "/v1/nodes/heartbeat" || strings.HasPrefix(r.URL.Path, "/v1/fill/reports/") || strings.HasPrefix(r.URL.Path, "/v1/popularity/batches/")
		return r.Method != http.MethodGet && r.Method != http.MethodHead && !routine
	})
	if len(s.cfg.NodeTokens) == 0 {
		return api
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if node, ok := s.nodeOf(r); ok {
			s.serveNode(node, next, w, r)
			return
		}
		api.ServeHTTP(w, r)
	})
}
