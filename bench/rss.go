package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"sort"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/vodedge/vodedge/internal/bytesize"
)

// The RSS bound of the brief: the RAM tier plus 20 %, plus a fixed
// allowance for the runtime, buffers and code.
const (
	rssSlack = 1.2
	rssFixed = 100 << 20
)

// RSSConfig configures RunRSS.
type RSSConfig struct {
	// RAMBytes is vodedge's --ram-bytes.
	RAMBytes int64
	// DiskBytes is vodedge's --disk-bytes; 0 (the default) turns the disk
	// tier off, so that misses go to the origin and only the RAM tier and
	// the serving path are measured. With a disk tier its index (Pebble)
	// and buffers count in the RSS too.
	DiskBytes int64
	// ObjectSize and WorkingSet size the large objects: enough objects
	// of ObjectSize to make WorkingSet × RAMBytes.
	ObjectSize int64
	WorkingSet float64
	// SmallObjects of SmallSize are requested too (0 for none): small
	// entries stress the tier's per-entry accounting.
	SmallObjects int
	SmallSize    int64
	// Load is how wrk drives the edge; every object is requested in a
	// shuffled order.
	Load LoadConfig
	// SampleEvery is the period of the VmRSS/VmHWM samples.
	SampleEvery time.Duration
	// Seed picks the shuffle.
	Seed uint64
	// Tools are the programs to run (nginx is not needed).
	Tools Tools
	// WorkDir, Keep, ReportPath, Out and Log are as in CompareConfig.
	WorkDir    string
	Keep       bool
	ReportPath string
	Out        io.Writer
	Log        *slog.Logger
}

// DefaultRSSConfig is the brief's memory benchmark: a 256 MiB RAM tier
// under 30 s of load over twice that in 2 MiB objects (256 of them) plus
// 1024 objects of 16 KiB.
func DefaultRSSConfig() RSSConfig {
	l := DefaultLoad()
	l.Duration = 30 * time.Second
	return RSSConfig{
		RAMBytes: 256 << 20, ObjectSize: 2 << 20, WorkingSet: 2,
		SmallObjects: 1024, SmallSize: 16 << 10,
		Load: l, SampleEvery: 100 * time.Millisecond, Seed: 1,
	}
}

func (c *RSSConfig) prepare() error {
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	switch {
	case c.DiskBytes < 0:
		return errors.New("bench: disk bytes must not be negative")
	case c.RAMBytes < 1<<20:
		return fmt.Errorf("bench: RAM tier must be at least 1MiB, got %d", c.RAMBytes)
	case c.WorkingSet <= 0 || c.WorkingSet > 100:
		return fmt.Errorf("bench: working set must be within (0, 100] × the RAM tier, got %v", c.WorkingSet)
	case c.SampleEvery < time.Millisecond:
		return fmt.Errorf("bench: sample period must be at least 1ms, got %v", c.SampleEvery)
	}
	if err := validateScenarios(c.scenarios()); err != nil {
		return err
	}
	if err := c.Load.validate(); err != nil {
		return err
	}
	c.Tools.noWrk = c.Load.discard()
	return c.Tools.resolve(false)
}

// scenarios are the objects of the working set.
func (c *RSSConfig) scenarios() []Scenario {
	n := int((c.WorkingSet*float64(c.RAMBytes) + float64(c.ObjectSize) - 1) / float64(max(c.ObjectSize, 1)))
	ss := []Scenario{{Name: "rss-" + bytesize.Size(c.ObjectSize).String(), Objects: n, Size: c.ObjectSize}}
	if c.SmallObjects > 0 {
		ss = append(ss, Scenario{Name: "rss-" + bytesize.Size(c.SmallSize).String(), Objects: c.SmallObjects, Size: c.SmallSize})
	}
	return ss
}

// RSSReport is the outcome of RunRSS, also written as JSON.
type RSSReport struct {
	Started         time.Time     `json:"started"`
	Host            HostInfo      `json:"host"`
	RAMBytes        int64         `json:"ram_bytes"`
	DiskBytes       int64         `json:"disk_bytes"`
	Scenarios       []Scenario    `json:"working_set"`
	WorkingSetBytes int64         `json:"working_set_bytes"`
	Load            LoadConfig    `json:"load"`
	SampleEvery     time.Duration `json:"sample_every_ns"`
	// PeakRSS is the largest VmRSS sampled; HWM is the kernel's VmHWM at
	// the end (the peak between samples too). Bound is 1.2 × RAM + 100 MiB;
	// Held says max(PeakRSS, HWM) ≤ Bound.
	PeakRSS int64 `json:"peak_rss_bytes"`
	HWM     int64 `json:"hwm_bytes"`
	Bound   int64 `json:"bound_bytes"`
	Held    bool  `json:"held"`
	// Metrics are the edge's RAM-tier and Go memory figures at the end.
	Metrics map[string]float64 `json:"metrics"`
	// Tiers counts responses by the tier that served them.
	Tiers   map[string]float64 `json:"responses_by_tier"`
	Wrk     WrkResult          `json:"wrk"`
	WrkCPU  float64            `json:"wrk_cpu_percent"`
	Samples []RSSSample        `json:"samples"`
	WorkDir string             `json:"work_dir"`
}

// RSSSample is one reading of /proc/PID/status.
type RSSSample struct {
	Millis int64 `json:"ms"` // since the edge started
	RSS    int64 `json:"rss_bytes"`
	HWM    int64 `json:"hwm_bytes"`
}

// reportedMetrics are the edge metrics RunRSS prints.
var reportedMetrics = []string{
	"vodedge_ram_bytes", "vodedge_ram_items", "vodedge_ram_capacity_bytes",
	"vodedge_ram_evictions_total", "vodedge_ram_rejected_sets_total", "vodedge_ram_dropped_sets_total",
	"go_memstats_heap_inuse_bytes", "go_memstats_sys_bytes",
}

// RunRSS runs the edge with a RAM tier smaller than the working set under
// load, samples its resident set size, and reports the peak against the
// bound 1.2 × RAM + 100 MiB. A bound that does not hold is a finding, not
// an error; a run that could not measure is an error.
func RunRSS(ctx context.Context, cfg RSSConfig) (*RSSReport, error) {
	if err := cfg.prepare(); err != nil {
		return nil, err
	}
	wd, err := openWorkDir(cfg.WorkDir, "vodedge-bench-rss-*", cfg.Keep)
	if err != nil {
		return nil, err
	}
	rep, err := runRSS(ctx, &cfg, wd)
	if rep != nil {
		rep.print(cfg.Out)
		b, jerr := json.MarshalIndent(rep, "", "  ")
		if jerr == nil {
			jerr = writeJSON(cfg.Out, b, wd, "rss-report.json", cfg.ReportPath)
		}
		err = errors.Join(err, jerr)
	}
	return rep, errors.Join(err, wd.close())
}

func runRSS(ctx context.Context, cfg *RSSConfig, wd *workDir) (*RSSReport, error) {
	ss := cfg.scenarios()
	rep := &RSSReport{
		Started: time.Now(), Host: hostInfo(ctx, cfg.Tools), RAMBytes: cfg.RAMBytes, DiskBytes: cfg.DiskBytes, Scenarios: ss,
		Load: cfg.Load, SampleEvery: cfg.SampleEvery, Bound: int64(rssSlack*float64(cfg.RAMBytes)) + rssFixed, WorkDir: wd.path,
	}
	paths, err := rssCorpus(cfg, wd, ss)
	if err != nil {
		return nil, err
	}
	for _, s := range ss {
		rep.WorkingSetBytes += s.Bytes()
	}
	fmt.Fprintf(cfg.Out, "vodedge bench rss: %d CPUs, load average %s; %d objects (%s) written; work dir %s\n",
		rep.Host.CPUs, rep.Host.LoadAverage, len(paths), mib(rep.WorkingSetBytes), wd.path)
	v := NewVodedge(VodedgeConfig{
		Binary: cfg.Tools.Vodedge, OriginDir: wd.join("corpus"), WorkDir: wd.join("vodedge"),
		RAMBytes: cfg.RAMBytes, DiskBytes: cfg.DiskBytes, Log: cfg.Log,
	})
	base, err := v.Start(ctx)
	if err != nil {
		return nil, err
	}
	err = rep.measure(ctx, cfg, v, base, wd.join("rss.lua"))
	return rep, errors.Join(err, v.Stop())
}

// rssCorpus writes the objects and a wrk script that walks them in a
// shuffled order, and returns the paths.
func rssCorpus(cfg *RSSConfig, wd *workDir, ss []Scenario) ([]string, error) {
	if err := writeCorpus(wd.join("corpus"), ss); err != nil {
		return nil, err
	}
	var paths []string
	for _, s := range ss {
		paths = append(paths, s.Paths()...)
	}
	rnd := rand.New(rand.NewPCG(cfg.Seed, cfg.Seed^0x9e3779b97f4a7c15))
	rnd.Shuffle(len(paths), func(i, j int) { paths[i], paths[j] = paths[j], paths[i] })
	return paths, writeWrkScript(wd.join("rss.lua"), paths, cfg.Load.Threads)
}

// measure drives the load while sampling the edge's memory, then reads
// its metrics.
func (rep *RSSReport) measure(ctx context.Context, cfg *RSSConfig, v *Vodedge, base, script string) error {
	smp := startSampler(v.PID(), cfg.SampleEvery)
	run, werr := runLoad(ctx, &cfg.Tools, cfg.Load, script, base+"/")
	if werr == nil {
		werr = run.Result.Check(cfg.Load.MaxSocketErrors)
	}
	rep.Samples = smp.finish()
	rep.Wrk, rep.WrkCPU = run.Result, run.CPU
	if last, err := readMemStatus(v.PID()); err == nil {
		rep.Samples = append(rep.Samples, RSSSample{Millis: smp.since(), RSS: last.RSS, HWM: last.HWM})
	}
	for _, s := range rep.Samples {
		rep.PeakRSS, rep.HWM = max(rep.PeakRSS, s.RSS), max(rep.HWM, s.HWM)
	}
	rep.Held = len(rep.Samples) > 0 && max(rep.PeakRSS, rep.HWM) <= rep.Bound
	samples, merr := v.metrics(ctx)
	if merr == nil {
		rep.Metrics = map[string]float64{}
		for _, name := range reportedMetrics {
			if val, ok := valueOf(samples, name); ok {
				rep.Metrics[name] = val
			}
		}
		rep.Tiers = sumBy(samples, "vodedge_edge_requests_total", "tier")
	}
	if len(rep.Samples) == 0 {
		merr = errors.Join(merr, errors.New("bench: no memory sample of the edge"))
	}
	return errors.Join(werr, merr)
}

// rssSampler reads the edge's VmRSS and VmHWM every period from its own
// goroutine, stopped by finish.
type rssSampler struct {
	pid     int
	start   time.Time
	stop    chan struct{}
	done    chan struct{}
	samples []RSSSample // written by the goroutine; read after done
}

func startSampler(pid int, every time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, start: time.Now(), stop: make(chan struct{}), done: make(chan struct{})}
	go s.run(every)
	return s
}

func (s *rssSampler) run(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if m, err := readMemStatus(s.pid); err == nil {
			s.samples = append(s.samples, RSSSample{Millis: s.since(), RSS: m.RSS, HWM: m.HWM})
		}
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
	}
}

func (s *rssSampler) since() int64 { return time.Since(s.start).Milliseconds() }

// finish stops the sampler and returns its samples.
func (s *rssSampler) finish() []RSSSample {
	close(s.stop)
	<-s.done
	return s.samples
}

func (rep *RSSReport) print(w io.Writer) {
	var parts []string
	for _, s := range rep.Scenarios {
		parts = append(parts, fmt.Sprintf("%d × %s", s.Objects, bytesize.Size(s.Size)))
	}
	fmt.Fprintf(w, "\n== rss: vodedge --ram-bytes %s --disk-bytes %s; working set %s (%s) in shuffled order; %s\n",
		bytesize.Size(rep.RAMBytes), bytesize.Size(rep.DiskBytes), mib(rep.WorkingSetBytes), strings.Join(parts, " + "), rep.Load)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "samples\t%d (every %s of the edge's /proc/PID/status)\n", len(rep.Samples), rep.SampleEvery)
	fmt.Fprintf(tw, "peak VmRSS (sampled)\t%s\n", mib(rep.PeakRSS))
	fmt.Fprintf(tw, "VmHWM at end\t%s\n", mib(rep.HWM))
	fmt.Fprintf(tw, "bound\t%s = %.1f × %s + %s\n", mib(rep.Bound), rssSlack, bytesize.Size(rep.RAMBytes), bytesize.Size(rssFixed))
	verdict := "held"
	if !rep.Held {
		verdict = "NOT held"
	}
	fmt.Fprintf(tw, "verdict\tRSS bound %s: peak %s vs bound %s\n", verdict, mib(max(rep.PeakRSS, rep.HWM)), mib(rep.Bound))
	if rep.Metrics != nil {
		fmt.Fprintf(tw, "RAM tier at end\tvodedge_ram_bytes %.0f (%s of %s), vodedge_ram_items %.0f, evictions %.0f, rejected sets %.0f, dropped sets %.0f\n",
			rep.Metrics["vodedge_ram_bytes"], mib(int64(rep.Metrics["vodedge_ram_bytes"])), bytesize.Size(rep.RAMBytes),
			rep.Metrics["vodedge_ram_items"], rep.Metrics["vodedge_ram_evictions_total"],
			rep.Metrics["vodedge_ram_rejected_sets_total"], rep.Metrics["vodedge_ram_dropped_sets_total"])
		fmt.Fprintf(tw, "Go memory at end\theap in use %s, runtime sys %s\n",
			mib(int64(rep.Metrics["go_memstats_heap_inuse_bytes"])), mib(int64(rep.Metrics["go_memstats_sys_bytes"])))
		fmt.Fprintf(tw, "responses by tier\t%s\n", tierShares(rep.Tiers))
	}
	fmt.Fprintf(tw, "load\t%.0f req/s, %.1f MiB/s, p99 %.2fms, wrk CPU %.0f%%\n",
		rep.Wrk.RequestsPerSec, rep.Wrk.MiBPerSec(), ms(rep.Wrk.LatencyP99), rep.WrkCPU)
	tw.Flush()
}

func tierShares(t map[string]float64) string {
	var total float64
	keys := make([]string, 0, len(t))
	for k, v := range t {
		total += v
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var parts []string
	for _, k := range keys {
		parts = append(parts, fmt.Sprintf("%s %.0f (%.1f%%)", k, t[k], 100*ratio(t[k], total)))
	}
	return strings.Join(parts, ", ")
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

// mibOrDash is mib, or "-" for a size that could not be read (below 0).
func mibOrDash(n int64) string {
	if n < 0 {
		return "-"
	}
	return mib(n)
}
