package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"time"

	"github.com/vodedge/vodedge/bench/trace"

	"github.com/vodedge/vodedge/internal/bytesize"
	"github.com/vodedge/vodedge/internal/tlsreload"
)

// CompareConfig configures RunCompare.
type CompareConfig struct {
	// Scenarios are measured in every round, in order.
	Scenarios []Scenario
	// Rounds is the number of times each peer runs each scenario. The
	// peer that goes first changes every round.
	Rounds int
	// Load is how wrk drives each round.
	Load LoadConfig
	// RAMBytes is vodedge's --ram-bytes. Every scenario's objects must
	// fit: the comparison is of hot objects.
	RAMBytes int64
	// DiskBytes is vodedge's --disk-bytes; 0 (the default) turns its disk
	// tier off: hot objects are answered from RAM either way, and nginx
	// has no disk cache of its own to fill.
	DiskBytes int64
	// Disks spreads vodedge's disk tier over that many directories in
	// the work dir (VodedgeConfig.Disks); with more than one, the peer
	// "vodedge-1disk" (the same edge on one directory) may be measured
	// beside it: hot disk hits from several directories at once against
	// one. 0 or 1: one directory.
	Disks int
	// Peers names the servers to measure, vodedge first: "vodedge",
	// "nginx-static", "nginx-proxy", "varnish", "fasthttp-bare" (PeerNames:
	// fasthttp serving the corpus and nothing else, the library's ceiling;
	// reported, never a target); with TLS,
	// "vodedge-http" and "nginx-tls" (TLSPeerNames); with
	// Tools.VodedgeBase, "vodedge-base" (basePeer).
	Peers []string
	// TLS makes vodedge serve HTTPS (its --tls-listen, a self-signed
	// ECDSA P-256 certificate) and allows the TLS peers: vodedge-http
	// (the same edge over plain HTTP: the cost of TLS) and nginx-tls
	// (nginx-static with ssl on the same certificate).
	TLS bool
	// Specials names the special scenarios to run after the hot ones
	// (SpecialNames); Special sizes them.
	Specials []string
	Special  SpecialParams
	// OriginDelay and OriginBytesPerSec shape the origin the caches are
	// in front of: a first-byte delay and a per-response rate cap.
	OriginDelay       time.Duration
	OriginBytesPerSec int64
	// Pin, unless zero, confines every server to Pin.ServerCPUs and wrk
	// to Pin.LoadCPUs (NewPin): what one node serves per CPU, without the
	// server and its load generator competing for the same cores. nginx
	// then runs one worker per server CPU.
	Pin Pin
	// Tools are the programs to run.
	Tools Tools
	// WorkDir holds the corpus, configs, logs and compare-report.json.
	// "" makes a temp dir, removed at the end unless Keep.
	WorkDir string
	Keep    bool
	// ReportPath, when set, also receives the JSON report.
	ReportPath string
	// Out receives progress lines and the tables; nil discards them.
	Out io.Writer
	// Log receives details (commands, retries); nil discards them.
	Log *slog.Logger
}

// PeerNames are the peers RunCompare knows, in report order.
var PeerNames = []string{vodedgePeer, "nginx-static", "nginx-proxy", "varnish", barePeer}

// oneDiskPeer is vodedge on one disk directory, measured beside vodedge
// on CompareConfig.Disks of them.
const oneDiskPeer = "vodedge-1disk"

// basePeer is the same edge built from another commit
// (Tools.VodedgeBase), measured beside vodedge in alternating rounds:
// what a change bought, with both builds under the same load.
const basePeer = "vodedge-base"

// TLSPeerNames are the peers of a TLS comparison (CompareConfig.TLS).
var TLSPeerNames = []string{vodedgePeer, "vodedge-http", "nginx-tls"}

// TLSScenarios is the TLS comparison's default: hot 2 MiB segments, no
// target (the figures are recorded).
func TLSScenarios() []Scenario {
	return []Scenario{{Name: "hot-2MiB", Objects: 64, Size: 2 << 20}}
}

// DefaultCompareConfig is the brief's comparison: the default scenarios,
// 5 rounds of 10 s at 32 connections, vodedge with a 512 MiB RAM tier
// (room for both working sets, 159 MiB), against every peer; no special
// scenarios (RunSuite runs them all). The origin answers after 20 ms at
// up to 200 MiB/s per response.
func DefaultCompareConfig() CompareConfig {
	return CompareConfig{
		Scenarios:   DefaultScenarios(),
		Rounds:      5,
		Load:        DefaultLoad(),
		RAMBytes:    512 << 20,
		Peers:       slices.Clone(PeerNames),
		Special:     DefaultSpecialParams(),
		OriginDelay: 20 * time.Millisecond, OriginBytesPerSec: 200 << 20,
	}
}

// perObjectRAM is what the bench allows per object on top of its bytes
// when checking that a working set fits the RAM tier (the tier charges
// 256 bytes per entry).
const perObjectRAM = 1 << 10

func (c *CompareConfig) prepare() error {
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if err := validateScenarios(c.Scenarios); err != nil {
		return err
	}
	if c.DiskBytes < 0 || c.Disks < 0 || (c.Disks > 1 && c.DiskBytes == 0) {
		return errors.New("bench: disk bytes and disks must not be negative, and several disks need disk bytes")
	}
	if c.Rounds < 1 || c.Rounds > 1000 {
		return fmt.Errorf("bench: rounds must be within 1..1000, got %d", c.Rounds)
	}
	if err := c.Load.validate(); err != nil {
		return err
	}
	if err := c.validatePeers(); err != nil {
		return err
	}
	if err := c.Pin.validate(); err != nil {
		return err
	}
	c.Load.CPUs = c.Pin.LoadCPUs
	var need int64
	for _, s := range c.Scenarios {
		need += s.Bytes() + int64(len(s.Files()))*perObjectRAM
	}
	switch {
	case c.RAMBytes == 0 && need > c.DiskBytes:
		return fmt.Errorf("bench: with the RAM tier off the scenarios' objects (%s) must fit the disk tier (%s)",
			bytesize.Size(need), bytesize.Size(c.DiskBytes))
	case c.RAMBytes > 0 && need > c.RAMBytes:
		return fmt.Errorf("bench: the scenarios' objects (%s with overhead) do not fit vodedge's RAM tier (%s): a hot comparison needs them all in RAM",
			bytesize.Size(need), bytesize.Size(c.RAMBytes))
	}
	c.Tools.noWrk = c.Load.discard()
	return c.Tools.resolve(slices.Contains(c.Peers, "nginx-static") || slices.Contains(c.Peers, "nginx-proxy") || slices.Contains(c.Peers, "nginx-tls"),
		slices.Contains(c.Peers, "varnish"))
}

func (c *CompareConfig) validatePeers() error {
	if len(c.Peers) == 0 || c.Peers[0] != vodedgePeer {
		return fmt.Errorf("bench: peers %v: want vodedge first (ratios are against it)", c.Peers)
	}
	known := PeerNames
	if c.Disks > 1 {
		known = append(slices.Clone(PeerNames), oneDiskPeer)
	}
	if c.Tools.VodedgeBase != "" {
		known = append(slices.Clone(known), basePeer)
	}
	if c.TLS {
		known = TLSPeerNames
		if len(c.Specials) > 0 {
			return errors.New("bench: the special scenarios run over plain HTTP; leave them out with TLS")
		}
	}
	seen := map[string]bool{}
	for _, p := range c.Peers {
		if !slices.Contains(known, p) || seen[p] {
			return fmt.Errorf("bench: peer %q: unknown or given twice (want some of %v; TLS %v)", p, known, c.TLS)
		}
		seen[p] = true
	}
	for _, s := range c.Specials {
		if _, ok := specialKindOf(s); !ok {
			return fmt.Errorf("bench: special scenario %q: want one of %v", s, SpecialNames())
		}
	}
	if len(c.Specials) > 0 && (c.hotPathsOf(2<<20) == nil || c.hotPathsOf(16<<10) == nil) {
		return errors.New("bench: special scenarios need a 2MiB and a 16KiB hot scenario (slow-clients, origin-down and restart use their objects)")
	}
	if c.OriginDelay < 0 || c.OriginBytesPerSec < 0 {
		return errors.New("bench: origin delay and rate must not be negative")
	}
	return nil
}

func (c *CompareConfig) hotPathsOf(size int64) []string {
	for _, s := range c.Scenarios {
		if s.Size == size {
			return s.Paths()
		}
	}
	return nil
}

// RunCompare measures vodedge against nginx serving the same files, as
// described in the package documentation, and prints progress and the
// result tables to cfg.Out. It returns the report with an error when a
// verdict could not be reached (failed rounds, or vodedge rounds not
// served from RAM, which wraps ErrNotHot); a target that is not met is a
// finding, not an error.
func RunCompare(ctx context.Context, cfg CompareConfig) (*CompareReport, error) {
	if err := cfg.prepare(); err != nil {
		return nil, err
	}
	wd, err := openWorkDir(cfg.WorkDir, "vodedge-bench-compare-*", cfg.Keep)
	if err != nil {
		return nil, err
	}
	c := &comparison{cfg: cfg, wd: wd}
	rep, err := c.run(ctx)
	if rep != nil {
		err = errors.Join(err, c.writeReport(rep))
	}
	return rep, errors.Join(err, wd.close())
}

// comparison is one RunCompare in progress.
type comparison struct {
	cfg    CompareConfig
	wd     *workDir
	peers  []livePeer
	origin *Origin
	titles []string        // players: master playlists
	trace  []trace.Request // trace-replay
	// zipfHead is disk-zipf's most popular object (restart reads it).
	zipfHead string
}

// livePeer is a started peer with its base URL and, for a cache, the
// name of its origin listener.
type livePeer struct {
	Peer
	base   string
	origin string
}

func (c *comparison) run(ctx context.Context) (rep *CompareReport, err error) {
	rep = &CompareReport{
		Started: time.Now(), Host: hostInfo(ctx, c.cfg.Tools), Rounds: c.cfg.Rounds,
		Load: c.cfg.Load, RAMBytes: c.cfg.RAMBytes, DiskBytes: c.cfg.DiskBytes, Disks: c.cfg.Disks, WorkDir: c.wd.path,
		Peers: c.cfg.Peers, TLS: c.cfg.TLS, Pin: c.cfg.Pin, Origin: OriginInfo{FirstByteDelay: c.cfg.OriginDelay, BytesPerSec: c.cfg.OriginBytesPerSec},
	}
	rep.Host.ServerCPUs = cpuCount(c.cfg.Pin.ServerCPUs)
	c.printf("vodedge bench compare: %s, load average %s; work dir %s\n", rep.Host.cpuLine(), rep.Host.LoadAverage, c.wd.path)
	if rep.Host.VodedgeBase != "" {
		c.printf("builds: vodedge is %s; vodedge-base is %s\n", buildLine(ctx, c.cfg.Tools.Vodedge), rep.Host.VodedgeBase)
	}
	if t := c.cfg.Tools; len(t.VodedgeArgs)+len(t.VodedgeBaseArgs) > 0 {
		c.printf("edge arguments added: vodedge %q; vodedge-base %q\n", t.VodedgeArgs, t.VodedgeBaseArgs)
	}
	if !c.cfg.Pin.IsZero() {
		c.printf("pinned: every server on CPU %s (nginx with one worker per CPU), %s on CPU %s\n", c.cfg.Pin.ServerCPUs, c.cfg.Load.clientName(), c.cfg.Pin.LoadCPUs)
	}
	if c.cfg.TLS {
		c.printf("TLS: vodedge and nginx-tls serve HTTPS (self-signed ECDSA P-256, TLS 1.3 negotiated by wrk), vodedge-http is the same edge over plain HTTP\n")
	}
	if err := c.setUp(ctx); err != nil {
		return nil, errors.Join(err, c.stopPeers())
	}
	for _, s := range c.cfg.Scenarios {
		sr := ScenarioResult{Scenario: s}
		for _, p := range c.peers {
			sr.Peers = append(sr.Peers, PeerResult{Peer: p.Name()})
		}
		rep.Scenarios = append(rep.Scenarios, sr)
	}
	err = c.rounds(ctx, rep)
	for _, name := range c.cfg.Specials {
		if err != nil || ctx.Err() != nil {
			break
		}
		k, _ := specialKindOf(name)
		var sr SpecialResult
		sr, err = c.runSpecial(ctx, k)
		rep.Specials = append(rep.Specials, sr)
	}
	err = errors.Join(err, c.stopPeers())
	rep.Finished = time.Now()
	if ctx.Err() != nil {
		return nil, err
	}
	rep.judge()
	rep.print(c.cfg.Out)
	rep.printSpecials(c.cfg.Out)
	return rep, errors.Join(err, rep.problems())
}

// setUp writes the corpus and the wrk scripts, starts the peers and
// warms them.
func (c *comparison) setUp(ctx context.Context) error {
	corpus := c.wd.join("corpus")
	t0 := time.Now()
	if err := writeCorpus(corpus, c.cfg.Scenarios); err != nil {
		return err
	}
	var paths []string
	for _, s := range c.cfg.Scenarios {
		paths = append(paths, s.Paths()...)
		if err := writeWrkScript(c.wd.join(s.Name+".lua"), s.Paths(), c.cfg.Load.Threads); err != nil {
			return err
		}
	}
	c.printf("corpus: %d objects written in %.1fs\n", len(paths), time.Since(t0).Seconds())
	c.origin = NewOrigin(OriginConfig{Root: corpus, FirstByteDelay: c.cfg.OriginDelay, BytesPerSec: c.cfg.OriginBytesPerSec})
	peers, err := c.newPeers(corpus)
	if err != nil {
		return err
	}
	c.origin.SetFast(true) // warming needs no distant origin
	defer c.origin.SetFast(false)
	for _, lp := range peers {
		p := lp.Peer
		base, err := p.Start(ctx)
		if err != nil {
			return fmt.Errorf("bench: start %s: %w", p.Name(), err)
		}
		lp.base = base
		c.peers = append(c.peers, lp)
		t0 = time.Now()
		if err := warm(ctx, p, base, paths); err != nil {
			return fmt.Errorf("bench: warm %s: %w", p.Name(), err)
		}
		c.printf("%s: serving at %s, warmed %d objects in %.1fs\n", p.Name(), base, len(paths), time.Since(t0).Seconds())
	}
	return nil
}

// newPeers returns vodedge and the baselines it is compared with; every
// cache gets its own listener on the shared origin.
func (c *comparison) newPeers(corpus string) ([]livePeer, error) {
	var out []livePeer
	var cert, key string
	if c.cfg.TLS {
		cert, key = c.wd.join("tls-cert.pem"), c.wd.join("tls-key.pem")
		if err := tlsreload.WriteSelfSigned(cert, key, "vodedge-bench", []string{"127.0.0.1", "localhost"}, 24*time.Hour); err != nil {
			return nil, err
		}
	}
	for _, name := range c.cfg.Peers {
		switch name {
		case "nginx-static":
			out = append(out, livePeer{Peer: NewNginxStatic(NginxConfig{Binary: c.cfg.Tools.Nginx, Root: corpus, WorkDir: c.wd.join("nginx")})})
			continue
		case barePeer:
			out = append(out, livePeer{Peer: NewBare(BareConfig{Binary: c.cfg.Tools.Vodedge, Root: corpus, WorkDir: c.wd.join("bare"),
				FromDisk: c.cfg.RAMBytes == 0})})
			continue
		case "nginx-tls":
			out = append(out, livePeer{Peer: NewNginxStatic(NginxConfig{Binary: c.cfg.Tools.Nginx, Root: corpus, WorkDir: c.wd.join("nginx-tls"),
				TLSCert: cert, TLSKey: key})})
			continue
		}
		u, err := c.origin.Listen(name)
		if err != nil {
			return nil, err
		}
		var p Peer
		switch name {
		case vodedgePeer:
			p = NewVodedge(VodedgeConfig{
				Binary: c.cfg.Tools.Vodedge, OriginURL: u, WorkDir: c.wd.join("vodedge"),
				RAMBytes: c.cfg.RAMBytes, DiskBytes: c.cfg.DiskBytes, Disks: c.cfg.Disks, Log: c.cfg.Log, TLSCert: cert, TLSKey: key,
				ExtraArgs: c.cfg.Tools.VodedgeArgs,
			})
		case oneDiskPeer:
			p = NewVodedge(VodedgeConfig{
				Binary: c.cfg.Tools.Vodedge, OriginURL: u, WorkDir: c.wd.join(name), Name: name,
				RAMBytes: c.cfg.RAMBytes, DiskBytes: c.cfg.DiskBytes, Log: c.cfg.Log,
			})
		case basePeer:
			p = NewVodedge(VodedgeConfig{
				Binary: c.cfg.Tools.VodedgeBase, OriginURL: u, WorkDir: c.wd.join(name), Name: name,
				RAMBytes: c.cfg.RAMBytes, DiskBytes: c.cfg.DiskBytes, Disks: c.cfg.Disks, Log: c.cfg.Log,
				ExtraArgs: c.cfg.Tools.VodedgeBaseArgs,
			})
		case "vodedge-http":
			p = NewVodedge(VodedgeConfig{
				Binary: c.cfg.Tools.Vodedge, OriginURL: u, WorkDir: c.wd.join("vodedge-http"), Name: name,
				RAMBytes: c.cfg.RAMBytes, DiskBytes: c.cfg.DiskBytes, Log: c.cfg.Log,
			})
		case "nginx-proxy":
			p = NewNginxProxy(NginxProxyConfig{Binary: c.cfg.Tools.Nginx, OriginURL: u, WorkDir: c.wd.join("nginx-proxy"),
				CacheBytes: max(c.cfg.DiskBytes, 4<<30)})
		case "varnish":
			p = NewVarnish(VarnishConfig{Binary: c.cfg.Tools.Varnish, OriginURL: u, WorkDir: c.wd.join("varnish"),
				MallocBytes: max(c.cfg.RAMBytes, 256<<20)})
		}
		out = append(out, livePeer{Peer: p, origin: name})
	}
	return out, c.pin(out)
}

// pin confines every peer to the servers' CPUs when the comparison is
// pinned.
func (c *comparison) pin(peers []livePeer) error {
	if c.cfg.Pin.IsZero() {
		return nil
	}
	for _, p := range peers {
		pp, ok := p.Peer.(Pinner)
		if !ok {
			return fmt.Errorf("bench: %s cannot be pinned to CPUs", p.Name())
		}
		pp.Pin(c.cfg.Pin.ServerCPUs)
	}
	return nil
}

func (c *comparison) stopPeers() error {
	var errs []error
	for _, p := range c.peers {
		errs = append(errs, p.Stop())
	}
	c.peers = nil
	if c.origin != nil {
		errs = append(errs, c.origin.Close())
		c.origin = nil
	}
	return errors.Join(errs...)
}

// rounds runs every round: in round r each scenario is run by every
// peer, the first peer being peer r mod n, so that each peer goes first
// as often as the others and drift of the machine spreads over all.
func (c *comparison) rounds(ctx context.Context, rep *CompareReport) error {
	n := len(c.peers)
	for r := range c.cfg.Rounds {
		for si, s := range c.cfg.Scenarios {
			for k := range n {
				pi := (r + k) % n
				rr, err := c.round(ctx, c.peers[pi], s)
				if err != nil {
					return err
				}
				rr.Round, rr.Position = r+1, k+1
				rep.Scenarios[si].Peers[pi].Rounds = append(rep.Scenarios[si].Peers[pi].Rounds, rr)
				c.printf("round %d/%d  %-10s %-13s %s\n", r+1, c.cfg.Rounds, s.Name, c.peers[pi].Name(), rr.summaryLine())
			}
		}
	}
	return nil
}

// round runs wrk once against p. A failed run is recorded in the result;
// only a cancelled ctx is returned as an error.
func (c *comparison) round(ctx context.Context, p livePeer, s Scenario) (RoundResult, error) {
	rr := RoundResult{NotHot: -1}
	tc, counts := p.Peer.(TierCounter)
	var before map[string]float64
	if counts {
		var err error
		if before, err = tc.TierCounts(ctx); err != nil {
			rr.addErr(err)
			return rr, ctx.Err()
		}
	}
	var pids []int
	if pl, ok := p.Peer.(ProcessLister); ok {
		pids = pl.PIDs()
	}
	originBefore := c.origin.Counts(p.origin)
	pinnedCPUs, _ := parseCPUList(c.cfg.Pin.ServerCPUs) // validated; nil unpinned
	idle0 := cpuSetIdleTicks(pinnedCPUs)
	ticks0, busy0, t0 := cpuTicks(pids), machineBusyTicks(), time.Now()
	run, err := runLoad(ctx, &c.cfg.Tools, c.cfg.Load, c.wd.join(s.Name+".lua"), p.base+"/")
	wall := time.Since(t0).Seconds()
	if ctx.Err() != nil {
		return rr, ctx.Err()
	}
	pct := func(ticks int64) float64 { return 100 * float64(ticks) / clockTicks / wall }
	if len(pids) > 0 {
		rr.ServerCPU = pct(cpuTicks(pids) - ticks0)
	}
	rr.Wrk, rr.WrkCPU = run.Result, run.CPU
	rr.OtherCPU = max(0, pct(machineBusyTicks()-busy0)-rr.ServerCPU-rr.WrkCPU)
	if len(pinnedCPUs) > 0 {
		rr.PinnedCPU = busyPercent(len(pinnedCPUs), cpuSetIdleTicks(pinnedCPUs)-idle0, time.Since(t0))
	}
	if err == nil {
		err = run.Result.Check(c.cfg.Load.MaxSocketErrors)
	}
	if err != nil {
		rr.addErr(err)
		c.cfg.Log.Debug("round failed", "peer", p.Name(), "scenario", s.Name, "err", err)
	}
	if !counts && p.origin != "" {
		rr.NotHot = c.origin.Counts(p.origin).Requests - originBefore.Requests
	}
	if counts {
		after, err := tc.TierCounts(ctx)
		if err != nil {
			rr.addErr(err)
			return rr, ctx.Err()
		}
		rr.NotHot = 0
		for tier, n := range after {
			if tier != tc.HotTier() {
				rr.NotHot += int64(n - before[tier])
			}
		}
	}
	return rr, nil
}

func (c *comparison) printf(format string, a ...any) { fmt.Fprintf(c.cfg.Out, format, a...) }
