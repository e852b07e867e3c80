package fill

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"sync"
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

	mu struct {
		sync.Mutex
		latest  *manifest.Manifest // newest verified manifest
		applied int64              // version fully applied
		force   bool               // fill now, whatever the window
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
	return a, nil
}

// Offer verifies a signed manifest (from a poll or a push) and, if it is
// for this site and newer than the newest known, makes it the one to
// apply. Rejections are logged and counted.
func (a *Agent) Offer(raw []byte) (*manifest.Manifest, error) {
	m, err := a.verify(raw)
	if err != nil {
		a.m.manifests.WithLabelValues("rejected").Inc()
		a.log.Warn("fill manifest rejected", "err", err)
		return nil, err
	}
	if err := a.persist(raw); err != nil {
		a.log.Warn("saving the fill manifest failed", "err", err)
	}
	a.mu.Lock()
	a.mu.latest = m
	a.mu.Unlock()
	a.m.manifests.WithLabelValues("accepted").Inc()
	a.m.version.Set(float64(m.Version))
	a.log.Info("fill manifest accepted", "version", m.Version, "entries", len(m.Entries), "mine", len(m.For(a.cfg.Node)))
	a.poke()
	return m, nil
}

func (a *Agent) verify(raw []byte) (*manifest.Manifest, error) {
	m, err := manifest.Open(raw, a.cfg.PublicKey)
	if err != nil {
		return nil, err
	}
	if m.Site != a.cfg.Site {
		return nil, fmt.Errorf("%w: %q, this node is in %q", manifest.ErrSite, m.Site, a.cfg.Site)
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mu.latest != nil && m.Version <= a.mu.latest.Version {
		return nil, fmt.Errorf("%w: version %d, have %d", manifest.ErrStale, m.Version, a.mu.latest.Version)
	}
	return m, nil
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

func (a *Agent) statePath() string { return filepath.Join(a.cfg.StateDir, "manifest.json") }

// persist keeps the last verified manifest, so a restarted node resumes
// without waiting for the controller.
func (a *Agent) persist(raw []byte) error {
	if err := os.MkdirAll(a.cfg.StateDir, 0o755); err != nil {
		return err
	}
	tmp := a.statePath() + ".tmp"
	if err := os.WriteFile(tmp, raw, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, a.statePath())
}

// restore offers the manifest saved before a restart, if any.
func (a *Agent) restore() {
	raw, err := os.ReadFile(a.statePath())
	if err != nil {
		return
	}
	if _, err := a.Offer(raw); err != nil {
		a.log.Warn("the saved fill manifest is not usable", "err", err)
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
	defer wg.Wait()
	for {
		if m := a.pending(); m != nil {
			if a.apply(ctx, m) {
				a.markApplied(m)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-a.wake:
		case <-time.After(time.Minute): // retry failed files, re-check the window
		}
	}
}

// pending returns the manifest to work on: the newest, unless it is fully
// applied and nothing is forced.
func (a *Agent) pending() *manifest.Manifest {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.mu.latest == nil || (a.mu.latest.Version == a.mu.applied && !a.mu.force) {
		return nil
	}
	return a.mu.latest
}

func (a *Agent) markApplied(m *manifest.Manifest) {
	a.mu.Lock()
	a.mu.applied, a.mu.force = m.Version, false
	a.mu.status.State, a.mu.status.Applied = StateDone, m.Version
	a.mu.Unlock()
	a.log.Info("fill manifest applied", "version", m.Version)
}

// superseded reports whether a newer manifest than m arrived.
func (a *Agent) superseded(m *manifest.Manifest) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mu.latest != nil && a.mu.latest.Version > m.Version
}

func (a *Agent) forced() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.mu.force
}
