package bench

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"math"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/vodedge/vodedge/bench/player"
	"github.com/vodedge/vodedge/internal/bytesize"
)

// SoakConfig configures RunSoak.
type SoakConfig struct {
	// Duration is the length of the load; Warmup is its first part,
	// left out of the flatness verdict (the RAM tiers fill, connections
	// open).
	Duration, Warmup time.Duration
	// SampleEvery is the sampling period of each node's RSS, goroutines
	// and open files.
	SampleEvery time.Duration
	// Tolerance is how far (a fraction of the mean) the least-squares
	// line through a figure's samples after the warm-up may move over
	// the run for the figure to count as flat.
	Tolerance float64
	// Nodes is the site's size; each node runs `vodedge edge` with
	// RAMBytes and DiskBytes, in one cluster.
	Nodes               int
	RAMBytes, DiskBytes int64
	// Players emulated HLS players play Titles titles (Zipf 0.9) of
	// Segments 4-second segments at PlayerSpeed × real time, each on a
	// node chosen by a hash of its id, falling back to the others.
	Players, Titles, Segments int
	PlayerSpeed               float64
	// RangeWorkers fetch random byte ranges of random segments (misses,
	// peer fetches and ranges beside the players' whole segments).
	RangeWorkers int
	Tools        Tools
	WorkDir      string
	Keep         bool
	ReportPath   string
	Out          io.Writer
	Log          *slog.Logger
}

// DefaultSoakConfig is `make soak`: 10 minutes, 2 of warm-up, samples
// every 10 s, ±10 %, three nodes of 128 MiB RAM and 1 GiB disk, 60
// players at 4× speed over 40 titles, 4 range workers.
func DefaultSoakConfig() SoakConfig {
	return SoakConfig{
		Duration: 10 * time.Minute, Warmup: 2 * time.Minute, SampleEvery: 10 * time.Second, Tolerance: 0.10,
		Nodes: 3, RAMBytes: 128 << 20, DiskBytes: 1 << 30,
		Players: 60, Titles: 40, Segments: 60, PlayerSpeed: 4, RangeWorkers: 4,
	}
}

func (c *SoakConfig) prepare() error {
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.Duration <= 0 || c.Warmup < 0 || c.Warmup >= c.Duration:
		return errors.New("bench: soak: want 0 ≤ warm-up < duration")
	case c.SampleEvery <= 0 || c.Duration-c.Warmup < 3*c.SampleEvery:
		return errors.New("bench: soak: want at least three samples after the warm-up")
	case c.Nodes < 1 || c.Nodes > 16 || c.Players < 1 || c.Titles < 1 || c.Segments < 1 || c.RangeWorkers < 0:
		return errors.New("bench: soak: nodes within 1..16, players, titles and segments at least 1")
	case !(c.Tolerance > 0 && c.Tolerance < 1):
		return errors.New("bench: soak: tolerance must be within (0, 1)")
	}
	return c.Tools.resolve(false)
}

// SoakSample is one node's figures at one instant.
type SoakSample struct {
	At         time.Duration `json:"at_ns"`
	Node       string        `json:"node"`
	RSSBytes   int64         `json:"rss_bytes"`
	Goroutines int64         `json:"goroutines"`
	OpenFiles  int64         `json:"open_files"`
	// Conns is the connections open on the public listener
	// (vodedge_connections_open): the clients' choice, not the node's.
	Conns    int64 `json:"conns"`
	Requests int64 `json:"requests"`
}

// SoakFigure is one figure of one node after the warm-up.
type SoakFigure struct {
	Node   string  `json:"node"`
	Figure string  `json:"figure"` // rss_mib, goroutines, open_files, client_conns
	Mean   float64 `json:"mean"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	// Spread is the largest distance of a sample from Mean, as a
	// fraction of Mean: the noise.
	Spread float64 `json:"spread"`
	// Drift is how far the least-squares line through the samples moves
	// over the measured window, as a fraction of Mean: growth or decline.
	Drift float64 `json:"drift"`
	Flat  bool    `json:"flat"`
	// Judged says whether the figure counts in the verdict (the client
	// connections are the load's choice, shown for reading the others).
	Judged bool `json:"judged"`
}

// SoakReport is RunSoak's result.
type SoakReport struct {
	Started   time.Time       `json:"started"`
	Config    SoakConfig      `json:"config"`
	Samples   []SoakSample    `json:"samples"`
	Figures   []SoakFigure    `json:"figures"`
	Players   player.Summary  `json:"players"`
	Sessions  int             `json:"sessions"`
	Ranges    RangeLoadResult `json:"ranges"`
	Flat      bool            `json:"flat"`
	Restarted []string        `json:"exited,omitempty"` // nodes that died during the run
}

// ErrNotFlat marks a soak whose figures strayed beyond the tolerance.
var ErrNotFlat = errors.New("bench: soak: figures not flat after the warm-up")

// RunSoak runs a site of Nodes vodedge edges (one cluster) over the
// bench origin under a mixed load — emulated HLS players and random
// range requests — for Duration, samples every node's RSS (VmRSS),
// goroutines (go_goroutines) and open files (/proc/PID/fd) every
// SampleEvery, prints the samples and the verdict, and returns
// ErrNotFlat when a figure strays more than Tolerance from its mean
// after the warm-up.
func RunSoak(ctx context.Context, cfg SoakConfig) (*SoakReport, error) {
	if err := cfg.prepare(); err != nil {
		return nil, err
	}
	wd, err := openWorkDir(cfg.WorkDir, "vodedge-bench-soak-*", cfg.Keep)
	if err != nil {
		return nil, err
	}
	rep, err := runSoak(ctx, &cfg, wd)
	if rep != nil {
		err = errors.Join(err, writeSoakReport(rep, wd.join("soak-report.json"), cfg.ReportPath))
	}
	return rep, errors.Join(err, wd.close())
}

func runSoak(ctx context.Context, cfg *SoakConfig, wd *workDir) (*SoakReport, error) {
	rep := &SoakReport{Started: time.Now(), Config: *cfg}
	titles, err := writeHLS(wd.join("corpus"), cfg.Titles, cfg.Segments)
	if err != nil {
		return nil, err
	}
	origin := NewOrigin(OriginConfig{Root: wd.join("corpus"), FirstByteDelay: 10 * time.Millisecond})
	defer origin.Close()
	nodes, err := startSite(ctx, cfg, wd, origin)
	defer func() {
		for _, n := range nodes {
			n.Stop()
		}
	}()
	if err != nil {
		return nil, err
	}
	var bases []string
	for _, n := range nodes {
		bases = append(bases, n.base)
	}
	fmt.Fprintf(cfg.Out, "soak: %d nodes in one cluster (%s RAM, %s disk each), %d players at %gx over %d titles, %d range workers, %v (warm-up %v), samples every %v\n",
		cfg.Nodes, bytesize.Size(cfg.RAMBytes), bytesize.Size(cfg.DiskBytes), cfg.Players, cfg.PlayerSpeed, cfg.Titles, cfg.RangeWorkers,
		cfg.Duration, cfg.Warmup, cfg.SampleEvery)
	lctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var wg sync.WaitGroup
	var sessions []player.Session
	var perr error
	wg.Go(func() {
		// Each player has its own client, as a real one does: one
		// connection to its node, kept alive, not a shared pool whose
		// size follows the load's timing.
		sessions, perr = player.Run(lctx, player.Config{
			Titles: titles, Alpha: 0.9, Steering: spread(bases), Players: cfg.Players, Duration: cfg.Duration,
			MaxSegments: cfg.Segments, Speed: cfg.PlayerSpeed, Seed: 1, NewClient: func() *http.Client { return loadClient(1) },
		})
		if perr != nil {
			cancel() // no load: stop sampling and the range workers now
		}
	})
	wg.Go(func() { rep.Ranges = rangeLoad(lctx, bases, segmentPaths(cfg), cfg.RangeWorkers) })
	rep.Samples = sampleSite(lctx, cfg, nodes, rep)
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if perr != nil {
		return nil, perr
	}
	rep.Sessions, rep.Players = len(sessions), player.Summarize(sessions, cfg.PlayerSpeed)
	rep.judge(cfg)
	rep.print(cfg.Out)
	if !rep.Flat {
		return rep, ErrNotFlat
	}
	return rep, nil
}

// startSite starts the nodes one after the other, each joining the
// first, and waits until every node sees all of them.
func startSite(ctx context.Context, cfg *SoakConfig, wd *workDir, origin *Origin) ([]*Vodedge, error) {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	keyFile := wd.join("cluster.key")
	if err := os.WriteFile(keyFile, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		return nil, err
	}
	var nodes []*Vodedge
	var join string
	for i := range cfg.Nodes {
		name := fmt.Sprintf("soak-%d", i+1)
		gport, err1 := freePort()
		pport, err2 := freePort()
		u, err3 := origin.Listen(name)
		if err := errors.Join(err1, err2, err3); err != nil {
			return nodes, err
		}
		gossip := "127.0.0.1:" + strconv.Itoa(gport)
		args := []string{"--node-name", name, "--site", "soak", "--cluster-key-file", keyFile,
			"--gossip-listen", gossip, "--peer-listen", "127.0.0.1:" + strconv.Itoa(pport), "--advertise-host", "127.0.0.1"}
		args = append(args, cfg.Tools.VodedgeArgs...)
		if join != "" {
			args = append(args, "--join", join)
		} else {
			join = gossip
		}
		v := NewVodedge(VodedgeConfig{Binary: cfg.Tools.Vodedge, OriginURL: u, WorkDir: wd.join(name), Name: name,
			RAMBytes: cfg.RAMBytes, DiskBytes: cfg.DiskBytes, ExtraArgs: args, Log: cfg.Log})
		if _, err := v.Start(ctx); err != nil {
			return nodes, fmt.Errorf("bench: soak: start %s: %w", name, err)
		}
		nodes = append(nodes, v)
	}
	deadline := time.Now().Add(30 * time.Second)
	for _, n := range nodes {
		for {
			s, err := n.metrics(ctx)
			if err == nil && sumBy(s, "vodedge_cluster_members", "state")["ok"] == float64(cfg.Nodes) {
				break
			}
			if time.Now().After(deadline) {
				return nodes, fmt.Errorf("bench: soak: %s does not see the %d nodes as ok", n.Name(), cfg.Nodes)
			}
			select {
			case <-ctx.Done():
				return nodes, ctx.Err()
			case <-time.After(100 * time.Millisecond):
			}
		}
	}
	return nodes, nil
}

// spread sends each player to a node chosen by a hash of its id, the
// others after it as fallbacks, as steering would spread clients.
func spread(bases []string) player.Steerer {
	return player.SteererFunc(func(_ context.Context, _, client string) ([]string, error) {
		h := fnv.New32a()
		h.Write([]byte(client))
		k := int(h.Sum32() % uint32(len(bases)))
		return append(append([]string(nil), bases[k:]...), bases[:k]...), nil
	})
}

// segmentPaths lists every segment of the soak's titles.
func segmentPaths(cfg *SoakConfig) []string {
	var out []string
	for t := 1; t <= cfg.Titles; t++ {
		for _, r := range hlsLadder {
			for s := 1; s <= cfg.Segments; s++ {
				size := int64(r.kbps) * 1000 / 8 * 4
				out = append(out, SynthPath(size, fmt.Sprintf("hls/t%02d/%s/seg-%05d.m4s", t, r.name, s)))
			}
		}
	}
	return out
}

// RangeLoadResult counts the range workers' requests.
type RangeLoadResult struct {
	Requests int64 `json:"requests"`
	Errors   int64 `json:"errors"`
}

// rangeLoad fetches random 64 KiB ranges of random segments from random
// nodes, workers at a time, about 20 a second each, until ctx ends.
func rangeLoad(ctx context.Context, bases, paths []string, workers int) RangeLoadResult {
	var mu sync.Mutex
	var res RangeLoadResult
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			cl := loadClient(1) // a connection per node at most
			defer cl.CloseIdleConnections()
			r := mrand.New(mrand.NewPCG(uint64(w), 100))
			for ctx.Err() == nil {
				p := paths[r.IntN(len(paths))]
				from := r.IntN(256 << 10)
				g := getTimed(ctx, cl, bases[r.IntN(len(bases))]+p, fmt.Sprintf("bytes=%d-%d", from, from+64<<10-1))
				mu.Lock()
				res.Requests++
				if !g.ok() && ctx.Err() == nil {
					res.Errors++
				}
				mu.Unlock()
				select {
				case <-ctx.Done():
				case <-time.After(50 * time.Millisecond):
				}
			}
		})
	}
	wg.Wait()
	return res
}

// sampleSite samples every node every SampleEvery until ctx ends.
func sampleSite(ctx context.Context, cfg *SoakConfig, nodes []*Vodedge, rep *SoakReport) []SoakSample {
	var out []SoakSample
	start := time.Now()
	t := time.NewTicker(cfg.SampleEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return out
		case <-t.C:
		}
		at := time.Since(start).Round(time.Second)
		for _, n := range nodes {
			s, err := sampleNode(ctx, n)
			if err != nil {
				if ctx.Err() == nil {
					rep.Restarted = append(rep.Restarted, n.Name()+": "+err.Error())
				}
				continue
			}
			s.At = at
			out = append(out, s)
		}
		if ctx.Err() == nil {
			fmt.Fprintf(cfg.Out, "%s\n", sampleLine(out, at))
		}
	}
}

// sampleNode reads a node's figures. Goroutines and open files move
// with the requests in flight at the instant they are read, so each is
// the median of five readings 100 ms apart.
func sampleNode(ctx context.Context, n *Vodedge) (SoakSample, error) {
	pid := n.PID()
	if pid == 0 {
		return SoakSample{}, errors.New("not running")
	}
	mem, err := readMemStatus(pid)
	if err != nil {
		return SoakSample{}, err
	}
	var gs, fs, cs []int64
	var reqs float64
	for i := range 5 {
		if i > 0 {
			time.Sleep(100 * time.Millisecond)
		}
		fds, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
		if err != nil {
			return SoakSample{}, err
		}
		ms, err := n.metrics(ctx)
		if err != nil {
			return SoakSample{}, err
		}
		g, _ := valueOf(ms, "go_goroutines")
		var conns float64
		for _, s := range ms {
			if s.Name == "vodedge_connections_open" && s.Labels["listener"] == "public" {
				conns = s.Value
			}
		}
		gs, fs, cs = append(gs, int64(g)), append(fs, int64(len(fds))), append(cs, int64(conns))
		reqs = 0
		for _, v := range sumBy(ms, "vodedge_edge_requests_total", "tier") {
			reqs += v
		}
	}
	return SoakSample{Node: n.Name(), RSSBytes: mem.RSS, Goroutines: median(gs), OpenFiles: median(fs), Conns: median(cs), Requests: int64(reqs)}, nil
}

func median(v []int64) int64 {
	slices.Sort(v)
	return v[len(v)/2]
}

// sampleLine is one line of progress: the figures of every node at at.
func sampleLine(samples []SoakSample, at time.Duration) string {
	line := fmt.Sprintf("t=%-6v", at)
	for _, s := range samples {
		if s.At == at {
			line += fmt.Sprintf("  %s: rss %6.1f MiB, goroutines %4d, fds %4d, conns %3d, requests %7d", s.Node, float64(s.RSSBytes)/(1<<20), s.Goroutines, s.OpenFiles, s.Conns, s.Requests)
		}
	}
	return line
}

// judge computes each node's figures after the warm-up.
func (rep *SoakReport) judge(cfg *SoakConfig) {
	rep.Flat = true
	byNode := map[string][]SoakSample{}
	var order []string
	for _, s := range rep.Samples {
		if s.At <= cfg.Warmup {
			continue
		}
		if _, ok := byNode[s.Node]; !ok {
			order = append(order, s.Node)
		}
		byNode[s.Node] = append(byNode[s.Node], s)
	}
	for _, node := range order {
		ss := byNode[node]
		for _, f := range []struct {
			name  string
			get   func(SoakSample) float64
			judge bool
		}{
			{"rss_mib", func(s SoakSample) float64 { return float64(s.RSSBytes) / (1 << 20) }, true},
			{"goroutines", func(s SoakSample) float64 { return float64(s.Goroutines) }, true},
			{"open_files", func(s SoakSample) float64 { return float64(s.OpenFiles) }, true},
			{"client_conns", func(s SoakSample) float64 { return float64(s.Conns) }, false},
		} {
			fig := figureOf(ss, f.get)
			fig.Node, fig.Figure, fig.Judged = node, f.name, f.judge
			fig.Flat = math.Abs(fig.Drift) <= cfg.Tolerance
			if f.judge {
				rep.Flat = rep.Flat && fig.Flat
			}
			rep.Figures = append(rep.Figures, fig)
		}
	}
	if len(rep.Restarted) > 0 {
		rep.Flat = false
	}
}

// figureOf summarizes one figure of a node's samples: mean, range,
// spread around the mean, and the drift of the least-squares line over
// the samples' time span.
func figureOf(ss []SoakSample, get func(SoakSample) float64) SoakFigure {
	fig := SoakFigure{Min: math.Inf(1), Max: math.Inf(-1)}
	var st, sv, stt, stv float64
	n := float64(len(ss))
	for _, s := range ss {
		v, t := get(s), s.At.Seconds()
		fig.Mean += v / n
		fig.Min, fig.Max = min(fig.Min, v), max(fig.Max, v)
		st, sv, stt, stv = st+t, sv+v, stt+t*t, stv+t*v
	}
	if fig.Mean == 0 {
		return fig
	}
	fig.Spread = max(fig.Max-fig.Mean, fig.Mean-fig.Min) / fig.Mean
	if den := n*stt - st*st; den > 0 {
		slope := (n*stv - st*sv) / den
		span := ss[len(ss)-1].At.Seconds() - ss[0].At.Seconds()
		fig.Drift = slope * span / fig.Mean
	}
	return fig
}

func (rep *SoakReport) print(w io.Writer) {
	fmt.Fprintf(w, "\n== soak: figures after the %v warm-up; flat: the least-squares line through a node's samples moves by at most ±%.0f%% of their mean over the run\n",
		rep.Config.Warmup, 100*rep.Config.Tolerance)
	fmt.Fprintf(w, "(spread is the noise around the mean: goroutines and descriptors follow the connections open in and out, one or two each, which the load's pools open and idle out)\n")
	fmt.Fprintf(w, "%-8s %-13s %9s %9s %9s %8s %8s  %s\n", "node", "figure", "mean", "min", "max", "spread", "drift", "flat")
	for _, f := range rep.Figures {
		flat := fmt.Sprint(f.Flat)
		if !f.Judged {
			flat = "(shown)"
		}
		fmt.Fprintf(w, "%-8s %-13s %9.1f %9.1f %9.1f %7.1f%% %+7.1f%%  %s\n", f.Node, f.Figure, f.Mean, f.Min, f.Max, 100*f.Spread, 100*f.Drift, flat)
	}
	p := rep.Players
	fmt.Fprintf(w, "players: %d sessions, %d segments, startup p50 %v, TTFB p99 %v, %d rebuffers, %d errors, %d failed; ranges: %d requests, %d errors\n",
		rep.Sessions, p.Segments, p.StartupP50.Round(time.Millisecond), p.TTFBP99.Round(time.Millisecond), p.Rebuffers, p.Errors, p.Failed,
		rep.Ranges.Requests, rep.Ranges.Errors)
	for _, r := range rep.Restarted {
		fmt.Fprintf(w, "node lost during the soak: %s\n", r)
	}
	verdict := "FLAT"
	if !rep.Flat {
		verdict = "NOT FLAT"
	}
	fmt.Fprintf(w, "verdict: %s\n", verdict)
}

func writeSoakReport(rep *SoakReport, paths ...string) error {
	b, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	for _, p := range paths {
		if p == "" {
			continue
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			return fmt.Errorf("bench: soak report: %w", err)
		}
	}
	return nil
}
