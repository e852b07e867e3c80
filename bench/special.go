package bench

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/vodedge/vodedge/bench/player"
)

// A special scenario is one the Go client drives (cold fetches, restarts,
// an origin outage, slow clients, players, trace replay) or wrk drives
// over synthetic objects (disk-zipf), rather than a hot wrk run over the
// corpus. Each has a set of named figures per round; the report gives
// their median and range per peer and the ratio against vodedge.

// metricDef names one figure of a special scenario.
type metricDef struct {
	Key   string `json:"key"`
	Label string `json:"label"`
	// Higher is true when a larger figure is better.
	Higher bool `json:"higher_is_better"`
}

// specialKind is the behaviour of one special scenario.
type specialKind struct {
	name, about string
	metrics     []metricDef
	// onlyCaches restricts it to peers in front of the origin.
	onlyCaches bool
	// prepare runs once before the rounds; finish once after (may be nil).
	prepare func(ctx context.Context, c *comparison) error
	finish  func(c *comparison)
	// round measures peer p in round r (0-based).
	round func(ctx context.Context, c *comparison, p *livePeer, r int) (map[string]float64, error)
}

// SpecialResult is every peer's rounds of one special scenario.
type SpecialResult struct {
	Name    string        `json:"name"`
	About   string        `json:"about"`
	Metrics []metricDef   `json:"metrics"`
	Peers   []SpecialPeer `json:"peers"`
}

// SpecialPeer is one peer's figures in a special scenario.
type SpecialPeer struct {
	Peer    string             `json:"peer"`
	Rounds  []SpecialRound     `json:"rounds"`
	Summary map[string]Summary `json:"summary"`
	Ratio   map[string]float64 `json:"ratio_vodedge_over_peer,omitempty"`
	Common  map[string]Summary `json:"common"`
}

// SpecialRound is one round of one peer.
type SpecialRound struct {
	Round   int                `json:"round"`
	Figures map[string]float64 `json:"figures"`
	// ServerCPU is the peer's CPU over the round (% of one core); RSS
	// its resident memory at the end (all its processes).
	ServerCPU float64 `json:"server_cpu_percent"`
	RSSBytes  int64   `json:"rss_bytes"`
	Err       string  `json:"error,omitempty"`
}

// SpecialNames lists the special scenarios, in the order they run.
func SpecialNames() []string {
	out := make([]string, len(specialKinds))
	for i, k := range specialKinds {
		out[i] = k.name
	}
	return out
}

func specialKindOf(name string) (*specialKind, bool) {
	for i := range specialKinds {
		if specialKinds[i].name == name {
			return &specialKinds[i], true
		}
	}
	return nil, false
}

// runSpecial prepares a special scenario and runs its rounds, the peer
// that goes first rotating each round.
func (c *comparison) runSpecial(ctx context.Context, k *specialKind) (SpecialResult, error) {
	res := SpecialResult{Name: k.name, About: c.cfg.Special.expand(k.about), Metrics: k.metrics}
	var peers []int
	for i, p := range c.peers {
		if p.Name() == barePeer { // a ceiling for hot objects only
			continue
		}
		if !k.onlyCaches || p.origin != "" {
			peers = append(peers, i)
			res.Peers = append(res.Peers, SpecialPeer{Peer: p.Name()})
		}
	}
	t0 := time.Now()
	if k.prepare != nil {
		if err := k.prepare(ctx, c); err != nil {
			return res, fmt.Errorf("bench: %s: prepare: %w", k.name, err)
		}
	}
	if k.finish != nil {
		defer k.finish(c)
	}
	c.printf("%s: prepared in %.1fs\n", k.name, time.Since(t0).Seconds())
	for r := range c.cfg.Rounds {
		for j := range peers {
			pj := (r + j) % len(peers)
			sr := c.specialRound(ctx, k, &c.peers[peers[pj]], r)
			res.Peers[pj].Rounds = append(res.Peers[pj].Rounds, sr)
			c.printf("round %d/%d  %-13s %-13s %s\n", r+1, c.cfg.Rounds, k.name, res.Peers[pj].Peer, sr.line(k.metrics))
			if ctx.Err() != nil {
				return res, ctx.Err()
			}
		}
	}
	res.summarize()
	return res, nil
}

func (c *comparison) specialRound(ctx context.Context, k *specialKind, p *livePeer, r int) SpecialRound {
	sr := SpecialRound{Round: r + 1}
	var pids []int
	if pl, ok := p.Peer.(ProcessLister); ok {
		pids = pl.PIDs()
	}
	ticks0, t0 := cpuTicks(pids), time.Now()
	figs, err := k.round(ctx, c, p, r)
	if pl, ok := p.Peer.(ProcessLister); ok {
		if now := pl.PIDs(); !slices.Equal(now, pids) {
			pids, ticks0 = now, 0 // restarted: all its CPU is this round's
		}
	}
	sr.ServerCPU = 100 * float64(cpuTicks(pids)-ticks0) / clockTicks / time.Since(t0).Seconds()
	for _, pid := range pids {
		if m, err := readMemStatus(pid); err == nil {
			sr.RSSBytes += m.RSS
		}
	}
	sr.Figures = figs
	if err != nil {
		sr.Err = err.Error()
	}
	return sr
}

func (sr SpecialRound) line(ms []metricDef) string {
	var parts []string
	for _, m := range ms {
		if v, ok := sr.Figures[m.Key]; ok {
			parts = append(parts, fmt.Sprintf("%s %s", m.Key, fmtFig(v)))
		}
	}
	s := strings.Join(parts, "  ") + fmt.Sprintf("  CPU %.0f%%  RSS %s", sr.ServerCPU, mib(sr.RSSBytes))
	if sr.Err != "" {
		s += "  FAILED: " + firstLine(sr.Err)
	}
	return s
}

func fmtFig(v float64) string {
	switch {
	case v == float64(int64(v)) && v < 1e7:
		return fmt.Sprintf("%.0f", v)
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 1:
		return fmt.Sprintf("%.2f", v)
	}
	return fmt.Sprintf("%.3f", v)
}

// summarize takes medians over the rounds that did not fail and the
// ratio vodedge/peer of every metric's median.
func (res *SpecialResult) summarize() {
	for i := range res.Peers {
		p := &res.Peers[i]
		samples := map[string][]float64{}
		var cpu, rss []float64
		for _, r := range p.Rounds {
			if r.Err != "" {
				continue
			}
			for k, v := range r.Figures {
				samples[k] = append(samples[k], v)
			}
			cpu, rss = append(cpu, r.ServerCPU), append(rss, float64(r.RSSBytes))
		}
		p.Summary = map[string]Summary{}
		for k, v := range samples {
			p.Summary[k] = summarize(v)
		}
		p.Common = map[string]Summary{"server_cpu_percent": summarize(cpu), "rss_bytes": summarize(rss)}
	}
	vi := slices.IndexFunc(res.Peers, func(p SpecialPeer) bool { return p.Peer == vodedgePeer })
	if vi < 0 {
		return
	}
	for i := range res.Peers {
		if i == vi {
			continue
		}
		res.Peers[i].Ratio = map[string]float64{}
		for k, s := range res.Peers[i].Summary {
			res.Peers[i].Ratio[k] = ratio(res.Peers[vi].Summary[k].Median, s.Median)
		}
	}
}

// durationFigures adds p50/p90/p99/p999 and max of ds, in ms, as
// prefix_p50_ms….
func durationFigures(figs map[string]float64, prefix string, ds []time.Duration) {
	sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
	for _, q := range []struct {
		name string
		q    float64
	}{{"p50", 0.5}, {"p90", 0.9}, {"p99", 0.99}, {"p999", 0.999}} {
		figs[prefix+"_"+q.name+"_ms"] = ms(player.Percentile(ds, q.q))
	}
	if len(ds) > 0 {
		figs[prefix+"_max_ms"] = ms(ds[len(ds)-1])
	}
}
