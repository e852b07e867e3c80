package webui

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"
)

//go:embed assets
var assetsFS embed.FS

// Config is what the pages show.
type Config struct {
	// SteerURL is the steering service's public base URL as browsers
	// reach it (http://steer.example.net:8088); the player asks it for
	// ranked URLs. Empty: the player page cannot play.
	SteerURL string
	// SteerAdmin is steering's admin base URL (http://10.0.0.9:9088), for
	// its view of the sites and its decision counters. Empty: the status
	// page shows no steering.
	SteerAdmin string
	// Edges are admin base URLs of edges (http://10.0.0.1:9090); one per
	// site is enough, the others are learned from its cluster view.
	Edges []string
	// AdminToken is a bearer token of the edges' and steering's admin
	// APIs.
	AdminToken string
	// Timeout bounds each admin request of a poll; default 1 s.
	Timeout time.Duration
	// MinInterval is the least time between two polls; default 1 s.
	MinInterval time.Duration

	controls bool // set by New when Deps.Nodes is set
}

// Deps are the pages' collaborators.
type Deps struct {
	// Catalog answers the player's searches; nil: no search.
	Catalog Catalog
	// Popularity ranks titles at the viewer's site (/api/titles?site=);
	// nil: the catalog's all-sites popularity only.
	Popularity Popularity
	// Registry is the controller's node registry, listed per site on
	// the status page; nil: not shown.
	Registry Registry
	// Nodes, when set, lets the status page stop and start nodes (the
	// demo's buttons). Never set in production.
	Nodes NodeControl
	// HTTP is the client of the admin APIs; default one with Timeout.
	HTTP   *http.Client
	Logger *slog.Logger
	Now    func() time.Time
}

// Catalog searches published titles.
type Catalog interface {
	Search(ctx context.Context, query string) ([]Title, error)
}

// CatalogFunc adapts a function to Catalog.
type CatalogFunc func(ctx context.Context, query string) ([]Title, error)

// Search calls f.
func (f CatalogFunc) Search(ctx context.Context, query string) ([]Title, error) { return f(ctx, query) }

// NodeControl stops and starts nodes by name (the demo's).
type NodeControl interface {
	StopNode(name string) error
	StartNode(name string) error
}

// UI serves the pages.
type UI struct {
	cfg  Config
	deps Deps
	mon  *Monitor
}

// ErrConfig reports a bad Config.
var ErrConfig = errors.New("webui: bad configuration")

// New checks cfg and builds the pages.
func New(cfg Config, deps Deps) (*UI, error) {
	for _, u := range append([]string{cfg.SteerURL, cfg.SteerAdmin}, cfg.Edges...) {
		if u == "" {
			continue
		}
		if p, err := url.Parse(u); err != nil || (p.Scheme != "http" && p.Scheme != "https") || p.Host == "" {
			return nil, errors.Join(ErrConfig, errors.New("want an http(s)://host:port base URL, got "+u))
		}
	}
	for i, e := range cfg.Edges {
		cfg.Edges[i] = strings.TrimRight(e, "/")
	}
	cfg.SteerURL, cfg.SteerAdmin = strings.TrimRight(cfg.SteerURL, "/"), strings.TrimRight(cfg.SteerAdmin, "/")
	if cfg.Timeout <= 0 {
		cfg.Timeout = time.Second
	}
	if cfg.MinInterval <= 0 {
		cfg.MinInterval = time.Second
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: cfg.Timeout}
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	cfg.controls = deps.Nodes != nil
	return &UI{cfg: cfg, deps: deps, mon: newMonitor(cfg, deps.HTTP, deps.Registry, deps.Now)}, nil
}

// Monitor returns the status poller (the demo reads it to wait for a
// healthy site).
func (u *UI) Monitor() *Monitor { return u.mon }

// Handler serves, relative to where it is mounted (strip the prefix):
//
//	GET  /                          redirect to home/
//	GET  /home/, /title/?id=        the browse pages (rows, search, a title)
//	GET  /player/[?id=&fmt=dash]    the player
//	GET  /status/                   the status page
//	GET  /assets/…                  their scripts and styles
//	GET  /api/config                {"steer_url": …, "controls": bool}
//	GET  /api/titles?q=[&site=]     published titles matching q, their
//	                                popularity at site when known
//	GET  /api/status                the status Snapshot
//	POST /api/nodes/{name}/stop|start   (demo only)
func (u *UI) Handler() http.Handler {
	mux := http.NewServeMux()
	assets, _ := fs.Sub(assetsFS, "assets") // a valid path
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// A relative Location as is: http.Redirect would resolve it
		// against the path with the mount's prefix stripped.
		w.Header().Set("Location", "home/")
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("GET /home/{$}", page(assets, "home.html"))
	mux.HandleFunc("GET /title/{$}", page(assets, "title.html"))
	mux.HandleFunc("GET /player/{$}", page(assets, "player.html"))
	mux.HandleFunc("GET /status/{$}", page(assets, "status.html"))
	mux.Handle("GET /assets/", http.StripPrefix("/assets/", http.FileServerFS(assets)))
	mux.HandleFunc("GET /api/config", u.handleConfig)
	mux.HandleFunc("GET /api/titles", u.handleTitles)
	mux.HandleFunc("GET /api/status", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, u.mon.Snapshot(r.Context()))
	})
	mux.HandleFunc("POST /api/nodes/{name}/{op}", u.handleNode)
	return securityHeaders(mux)
}

// securityHeaders: the pages load scripts from their own origin only,
// and may talk to steering and edges on any origin (media, XHR, and
// images: posters and thumbnail sprites come from the edges).
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; connect-src *; media-src * blob:; img-src * data: blob:; style-src 'self'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}

func page(assets fs.FS, name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-cache")
		http.ServeFileFS(w, r, assets, name)
	}
}

func (u *UI) handleConfig(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]any{"steer_url": u.cfg.SteerURL, "controls": u.cfg.controls})
}

func (u *UI) handleTitles(w http.ResponseWriter, r *http.Request) {
	site := r.URL.Query().Get("site")
	if site != "" {
		if err := checkSite(site); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": err.Error()})
			return
		}
	}
	if u.deps.Catalog == nil {
		writeJSON(w, http.StatusOK, []Title{})
		return
	}
	titles, err := u.deps.Catalog.Search(r.Context(), r.URL.Query().Get("q"))
	if err != nil {
		u.deps.Logger.Warn("catalog search failed", "err", err)
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "catalog: " + err.Error()})
		return
	}
	if titles == nil {
		titles = []Title{}
	}
	u.atSite(r, site, titles)
	writeJSON(w, http.StatusOK, titles)
}

func (u *UI) handleNode(w http.ResponseWriter, r *http.Request) {
	if u.deps.Nodes == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "node controls are off (only the demo has them)"})
		return
	}
	name, op := r.PathValue("name"), r.PathValue("op")
	var err error
	switch op {
	case "stop":
		err = u.deps.Nodes.StopNode(name)
	case "start":
		err = u.deps.Nodes.StartNode(name)
	default:
		writeJSON(w, http.StatusNotFound, map[string]string{"error": "want stop or start"})
		return
	}
	if err != nil {
		writeJSON(w, http.StatusConflict, map[string]string{"error": err.Error()})
		return
	}
	u.deps.Logger.Info("node control", "node", name, "op", op)
	writeJSON(w, http.StatusOK, map[string]string{"node": name, "done": op})
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
