package fill

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"

	"github.com/vodedge/vodedge/internal/manifest"
)

// Agent applies manifests to the node's disk tier. Create it with New,
// run it with Run; Offer hands it a manifest pushed by the control plane.
type Agent struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	m    *metrics
	lim  *rate.Limiter
	wake chan struct{} // a new manifest, or an operator's "now"
	// indexes holds the file indexes of the node's groups, by hash.
	indexes *manifest.IndexCache
	// parents is the site's parent sites as last polled (parents.go).
	parents atomic.Pointer[parentsState]

	mu struct {
		sync.Mutex
		latest  *manifest.Saved // newest verified manifest
		applied int64           // version fully applied
		force   bool            // fill now, whatever the window
		status  Status
	}
}

// New validates cfg and returns an agent.
func New(cfg Config, deps Deps) (*Agent, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.Store == nil || deps.Origin == nil {
		return nil, errors.New("fill: a store and an origin are required")
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.HTTP == nil {
		deps.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	m, err := newMetrics(deps.Registerer)
	if err != nil {
		return nil, err
	}
	burst := int(min(max(cfg.RateBytes/20, 32<<10), 1<<20)) // ~50 ms of traffic
	a := &Agent{cfg: cfg, deps: deps, log: deps.Logger, m: m, wake: make(chan struct{}, 1),
		lim: rate.NewLimiter(rate.Limit(cfg.RateBytes), burst)}
	a.mu.status.State = StateIdle
	// Documents a crash interrupted (manifest.Receive's temporary files).
	stale, _ := filepath.Glob(filepath.Join(a.manifestDir(), ".receiving-*"))
	for _, p := range stale {
		os.Remove(p)
	}
	a.indexes = &manifest.IndexCache{Dir: filepath.Join(cfg.StateDir, "indexes"), Fetch: a.fetchIndex}
	if cfg.indexURL() == "" {
		a.indexes.Fetch = nil
	}
	return a, nil
}

// Offer verifies a signed manifest document (from a poll or a push: a
// full manifest, or a delta against the one the node holds) and, if it
// is for this site and newer than the newest known, makes the full
// manifest it gives the one to apply. Rejections are logged and counted.
func (a *Agent) Offer(raw []byte) (*manifest.Header, error) {
	return a.OfferFrom(bytes.NewReader(raw))
}

// OfferFrom is Offer reading the document from r, as it arrives: the
// signature is checked on its first line, the rest streams to the state
// directory.
func (a *Agent) OfferFrom(r io.Reader) (*manifest.Header, error) {
	s, err := manifest.Receive(r, manifest.ReceiveOptions{
		PublicKey: a.cfg.PublicKey, Check: a.check, Base: a.latest(),
		Dir: a.manifestDir(), Indexes: a.indexes,
	})
	if err == nil {
		err = a.install(s)
	}
	if err != nil {
		a.m.manifests.WithLabelValues("rejected").Inc()
		a.log.Warn("fill manifest rejected", "err", err)
		return nil, err
	}
	a.m.manifests.WithLabelValues("accepted").Inc()
	a.m.version.Set(float64(s.Header.Version))
	a.log.Info("fill manifest accepted", "version", s.Header.Version, "base", s.Header.Base, "groups", s.Header.Total)
	a.poke()
	return &s.Header, nil
}

// check applies the site and anti-replay rules to a verified header,
// before its body is read.
func (a *Agent) check(h *manifest.Header) error {
	if h.Site != a.cfg.Site {
		return fmt.Errorf("%w: %q, this node is in %q", manifest.ErrSite, h.Site, a.cfg.Site)
	}
	if l := a.latest(); l != nil && h.Version <= l.Header.Version {
		return fmt.Errorf("%w: version %d, have %d", manifest.ErrStale, h.Version, l.Header.Version)
	}
	return nil
}

// install makes s the newest manifest unless a newer one came meanwhile,
// and removes the saved manifests older than it.
func (a *Agent) install(s *manifest.Saved) error {
	a.mu.Lock()
	if l := a.mu.latest; l != nil && s.Header.Version <= l.Header.Version {
		a.mu.Unlock()
		return fmt.Errorf("%w: version %d, have %d", manifest.ErrStale, s.Header.Version, l.Header.Version)
	}
	a.mu.latest = s
	a.mu.Unlock()
	a.prune()
	return nil
}

// prune removes the saved manifests older than the newest accepted (a
// pass still reading one keeps its open file). Concurrent offers may
// prune in any order: none removes the newest.
func (a *Agent) prune() {
	l := a.latest()
	if l == nil {
		return
	}
	old, _ := filepath.Glob(filepath.Join(a.manifestDir(), "manifest-*"))
	for _, p := range old {
		v, err := strconv.ParseInt(strings.TrimPrefix(filepath.Base(p), "manifest-"), 10, 64)
		if err == nil && v < l.Header.Version {
			os.Remove(p)
		}
	}
}

func (a *Agent) latest() *manifest.Saved {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mu.latest
}

// FillNow makes the agent fill at once, outside the window, until the
// current manifest is applied.
func (a *Agent) FillNow() {
	a.mu.Lock()
	a.mu.force = true
	a.mu.Unlock()
	a.poke()
}

func (a *Agent) poke() {
	select {
	case a.wake <- struct{}{}:
	default:
	}
}

func (a *Agent) manifestDir() string { return filepath.Join(a.cfg.StateDir, "manifests") }

// restore resumes from the newest saved manifest that still verifies,
// so a restarted node does not wait for the controller.
func (a *Agent) restore() {
	paths, _ := filepath.Glob(filepath.Join(a.manifestDir(), "manifest-*"))
	var best *manifest.Saved
	for _, p := range paths {
		s, err := manifest.Load(p, a.cfg.PublicKey)
		if err == nil && s.Header.Site != a.cfg.Site {
			err = fmt.Errorf("%w: %q", manifest.ErrSite, s.Header.Site)
		}
		if err != nil {
			a.log.Warn("a saved fill manifest is not usable", "path", p, "err", err)
			continue
		}
		if best == nil || s.Header.Version > best.Header.Version {
			best = s
		}
	}
	if best != nil {
		if err := a.install(best); err == nil {
			a.m.version.Set(float64(best.Header.Version))
			a.log.Info("fill manifest restored", "version", best.Header.Version)
		}
	}
}

// Run applies manifests until ctx ends: the saved one first, then what
// polling and pushes bring.
func (a *Agent) Run(ctx context.Context) error {
	a.restore()
	var wg sync.WaitGroup
	if a.cfg.ManifestURL != "" {
		wg.Go(func() { a.pollLoop(ctx) })
	}
	if a.cfg.ReportURL != "" {
		wg.Go(func() { a.reportLoop(ctx) })
	}
	if a.cfg.HeartbeatEvery > 0 && a.cfg.heartbeatURL() != "" && a.deps.Describe != nil {
		wg.Go(func() { a.heartbeatLoop(ctx) })
	}
	defer wg.Wait()
	retry := firstRetry
	for {
		wait := time.Minute // re-check the window
		if m := a.pending(); m != nil {
			if a.apply(ctx, m) {
				a.markApplied(m)
				retry = firstRetry
			} else {
				// Failed files: soon at first (a store still loading its
				// index, a source back up), then up to a minute apart.
				wait, retry = retry, min(2*retry, time.Minute)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.wake:
		case <-time.After(wait):
		}
	}
}

// firstRetry is the wait before the first retry of a pass that failed.
const firstRetry = 5 * time.Second

// pending returns the manifest to work on: the newest, unless it is fully
// applied and nothing is forced.
func (a *Agent) pending() *manifest.Saved {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mu.latest == nil || (a.mu.latest.Header.Version == a.mu.applied && !a.mu.force) {
		return nil
	}
	return a.mu.latest
}

func (a *Agent) markApplied(m *manifest.Saved) {
	v := m.Header.Version
	a.mu.Lock()
	a.mu.applied, a.mu.force = v, false
	a.mu.status.State, a.mu.status.Applied = StateDone, v
	a.mu.Unlock()
	a.log.Info("fill manifest applied", "version", v)
}

// superseded reports whether a newer manifest than m arrived.
func (a *Agent) superseded(m *manifest.Saved) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mu.latest != nil && a.mu.latest.Header.Version > m.Header.Version
}

func (a *Agent) forced() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mu.force
}
