package steering

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/steering/bgp"
	"github.com/vodedge/vodedge/steering/cluster"
	"github.com/vodedge/vodedge/steering/prefix"
)

// ServiceConfig is the whole steering service.
type ServiceConfig struct {
	Engine Config
	// Watch says how to join each site's gossip (one entry per site of
	// Engine.Sites): the cluster configuration of a watcher. Name, key,
	// join addresses and gossip address are the caller's; Watch and
	// Meta.Site are set here.
	Watch map[string]cluster.Config
	// PrefixFiles are the sites' static prefix files (site → path), read
	// at New and again on Reload.
	PrefixFiles map[string]string
	// BGP, when set, runs the embedded speaker.
	BGP *bgp.Config
	// Signer signs node URLs; nil leaves them unsigned.
	Signer *urlsign.Signer
	// Manifests, when set, makes the sites' fill manifests (polled from
	// the controller) say what each site holds; otherwise placement alone
	// does (see the package doc).
	Manifests *ManifestConfig
	// DecisionLog receives one JSON line per decision; nil: off.
	DecisionLog io.Writer
}

// Deps are the service's injected dependencies.
type Deps struct {
	Logger     *slog.Logger          // nil discards
	Registerer prometheus.Registerer // nil registers nowhere
	Now        func() time.Time      // nil is time.Now
}

// Service is what `vodedge steer` serves: the engine, the sites' gossip
// watchers, the prefix table and its sources, the decision log and the
// HTTP handlers. Server runs it behind its listeners.
type Service struct {
	cfg      ServiceConfig
	log      *slog.Logger
	now      func() time.Time
	table    *prefix.Table
	engine   *Engine
	watchers map[string]*cluster.Cluster
	speaker  *bgp.Speaker
	content  *ManifestContent // nil without manifests
	dlog     *decisionLog
	m        *metrics
	answers  sync.Pool // of *answer: a request's scratch space

	stop     chan struct{}
	loops    sync.WaitGroup
	stopOnce sync.Once
}

// New builds the service: it validates the configuration, reads the
// static prefix files and prepares the watchers and the BGP speaker. It
// opens no socket.
func New(cfg ServiceConfig, deps Deps) (*Service, error) {
	s := &Service{cfg: cfg, log: deps.Logger, now: deps.Now, table: prefix.New(), watchers: map[string]*cluster.Cluster{}, stop: make(chan struct{})}
	s.answers.New = newAnswer
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	reg := deps.Registerer
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	var err error
	if cfg.Manifests != nil {
		var sites []string
		for _, sc := range cfg.Engine.Sites {
			sites = append(sites, sc.Name)
		}
		if s.content, err = NewManifestContent(*cfg.Manifests, sites, s.log); err != nil {
			return nil, err
		}
	}
	var content Content
	if s.content != nil {
		content = s.content
	}
	if s.engine, err = NewEngine(cfg.Engine, s.table, cfg.Signer, content); err != nil {
		return nil, err
	}
	if err := s.Reload(); err != nil {
		return nil, err
	}
	if s.m, err = newMetrics(reg, s); err != nil {
		return nil, fmt.Errorf("steering: metrics: %w", err)
	}
	if err := s.newWatchers(reg); err != nil {
		return nil, err
	}
	if cfg.BGP != nil {
		if err := s.checkBGPSites(cfg.BGP); err != nil {
			return nil, err
		}
		if s.speaker, err = bgp.New(*cfg.BGP, s.table, bgp.Deps{Logger: s.log, Registerer: reg, Now: s.now}); err != nil {
			return nil, err
		}
	}
	s.dlog = newDecisionLog(cfg.DecisionLog, s.engine.cfg.LogBuffer, s.m.logDropped.Inc)
	return s, nil
}

// newWatchers makes one gossip watcher per site. Each registers its
// metrics with a site label.
func (s *Service) newWatchers(reg prometheus.Registerer) error {
	for _, sc := range s.engine.cfg.Sites {
		wc, ok := s.cfg.Watch[sc.Name]
		if !ok {
			return fmt.Errorf("steering: site %s: no gossip to watch (join addresses and key)", sc.Name)
		}
		wc.Watch, wc.Meta.Site = true, sc.Name
		if wc.Meta.Weight == 0 {
			wc.Meta.Weight = 1
		}
		cl, err := cluster.New(wc, cluster.Deps{Logger: s.log, Now: s.now,
			Registerer: prometheus.WrapRegistererWith(prometheus.Labels{"watched_site": sc.Name}, reg)})
		if err != nil {
			return fmt.Errorf("steering: site %s: %w", sc.Name, err)
		}
		s.watchers[sc.Name] = cl
	}
	return nil
}

// checkBGPSites refuses BGP routes for sites steering does not serve.
func (s *Service) checkBGPSites(b *bgp.Config) error {
	for _, n := range b.Neighbors {
		if n.Site != "" && s.engine.slots[n.Site] == nil {
			return fmt.Errorf("steering: BGP neighbor %s is for site %q, which is not a site", n.Address, n.Site)
		}
	}
	for c, site := range b.Communities {
		if s.engine.slots[site] == nil {
			return fmt.Errorf("steering: BGP community %s maps to %q, which is not a site", c, site)
		}
	}
	return nil
}

// Start joins every site's gossip and follows it, and starts the BGP
// speaker. A site whose nodes cannot be reached yet is retried in the
// background (it has no node until then).
func (s *Service) Start(ctx context.Context) error {
	for site, cl := range s.watchers {
		if err := cl.Start(nil); err != nil {
			s.Stop()
			return fmt.Errorf("steering: site %s: %w", site, err)
		}
		s.loops.Add(1)
		go s.follow(site, cl)
	}
	if s.speaker != nil {
		if err := s.speaker.Start(ctx); err != nil {
			s.Stop()
			return err
		}
	}
	if s.content != nil {
		ctx, cancel := context.WithCancel(context.Background())
		s.loops.Add(2)
		go func() { defer s.loops.Done(); s.content.Run(ctx) }()
		go func() { defer s.loops.Done(); <-s.stop; cancel() }()
	}
	return nil
}

// follow rebuilds a site's view whenever its membership changes.
func (s *Service) follow(site string, cl *cluster.Cluster) {
	defer s.loops.Done()
	for {
		_ = s.engine.SetMembers(site, cl.Members())
		select {
		case <-cl.Changes():
		case <-s.stop:
			return
		}
	}
}

// Stop leaves the sites' gossip, closes the BGP sessions and flushes the
// decision log. It is safe to call more than once.
func (s *Service) Stop() {
	s.stopOnce.Do(func() {
		close(s.stop)
		s.loops.Wait()
		var wg sync.WaitGroup
		for _, cl := range s.watchers {
			wg.Add(1)
			go func() { defer wg.Done(); cl.Shutdown() }()
		}
		wg.Wait()
		if s.speaker != nil {
			s.speaker.Stop()
		}
		s.dlog.close()
	})
}

// Reload reads the static prefix files again, replacing each site's
// static routes. On an error nothing changes.
func (s *Service) Reload() error {
	loaded := map[string][]prefix.Route{}
	for site, path := range s.cfg.PrefixFiles {
		if s.engine.slots[site] == nil {
			return fmt.Errorf("steering: prefix file %s is for %q, which is not a site", path, site)
		}
		ps, err := prefix.LoadFile(path)
		if err != nil {
			return err
		}
		for _, p := range ps {
			loaded[site] = append(loaded[site], prefix.Route{Prefix: p, Site: site})
		}
	}
	for site := range s.cfg.PrefixFiles {
		added, removed := s.table.ReplaceSource(StaticSource(site), loaded[site])
		s.log.Info("static prefixes loaded", "site", site, "prefixes", len(loaded[site]), "added", added, "removed", removed)
	}
	return nil
}

// StaticSource is the prefix-table source name of a site's static file.
func StaticSource(site string) string { return "static:" + site }

// Engine is the service's decision engine.
func (s *Service) Engine() *Engine { return s.engine }

// Table is the service's prefix table.
func (s *Service) Table() *prefix.Table { return s.table }

// Ready reports whether steering can send clients somewhere: a site has
// a node that takes clients, or an origin is configured. The detail
// names sites without such a node and BGP sessions that are down.
func (s *Service) Ready() (bool, string) {
	var empty []string
	for _, sc := range s.engine.cfg.Sites {
		if !s.engine.slots[sc.Name].view.Load().serving() {
			empty = append(empty, sc.Name)
		}
	}
	sort.Strings(empty)
	var notes []string
	if len(empty) > 0 {
		notes = append(notes, "no node takes clients in "+strings.Join(empty, ", "))
	}
	if s.speaker != nil && !s.speaker.Established() {
		var down []string
		for _, ss := range s.speaker.Sessions() {
			if ss.State != "established" {
				down = append(down, ss.Neighbor)
			}
		}
		notes = append(notes, "BGP sessions not established: "+strings.Join(down, ", "))
	}
	ok := len(empty) < len(s.engine.cfg.Sites) || s.engine.cfg.OriginURL != ""
	detail := "ready"
	if !ok {
		detail = "not ready"
	}
	if len(notes) > 0 {
		detail += "; " + strings.Join(notes, "; ")
	}
	return ok, detail
}

// serving reports whether a node of the site takes clients.
func (v *siteView) serving() bool {
	for i := range v.nodes {
		if v.nodes[i].miss < 0 {
			return true
		}
	}
	return false
}
