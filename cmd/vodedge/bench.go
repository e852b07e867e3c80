package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/bench"
	"github.com/vodedge/vodedge/internal/bytesize"
)

func newBenchCmd(g *globalOpts) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Benchmark the edge against nginx on this machine, side by side",
		Long: `Benchmarks that start real processes on this machine: the vodedge edge
(this binary, or --vodedge-binary), Debian's nginx and varnish, and wrk
as the load generator, all on loopback. Figures are ratios measured in the same run,
because a shared machine drifts between runs.

  compare  the edge vs nginx static, nginx proxy_cache and Varnish, same
           origin, same load, alternating rounds (hot objects; with
           --specials also cold, range, restart, outage, slow clients,
           players, trace replay, disk working set)
  rss      the edge's resident memory with a working set twice its RAM tier
  sim      hit ratio of the edge's own RAM/disk policies vs LRU and
           Belady's MIN on a generated (or given) trace
  trace    write a generated trace (CSV) with daily popularity drift
  suite    compare with every scenario, then sim: the report under
           bench/results (Markdown, JSON, PNG plots)
  soak     a 3-node site under a long mixed load (players, ranges):
           RSS, goroutines and open files must stay flat
  scale    the disk tier at 100k, 2 M and 20 M stored objects: restart
           to first hit, memory per object, lookup latency, eviction cost
  load     a keep-alive GET load whose bodies the kernel drops uncopied
           (compare's --client discard)`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newBenchCompareCmd(g), newBenchRSSCmd(g), newBenchSimCmd(), newBenchTraceCmd(), newBenchSuiteCmd(g), newBenchSoakCmd(g), newBenchScaleCmd(g), newBenchScaleNodeCmd(g), newBareServerCmd(), newBenchLoadCmd())
	return cmd
}

func newBenchCompareCmd(g *globalOpts) *cobra.Command {
	cfg := bench.DefaultCompareConfig()
	var scenarios []string
	var pin string
	for _, s := range cfg.Scenarios {
		scenarios = append(scenarios, s.String())
	}
	ram, disk := bytesize.Size(cfg.RAMBytes), bytesize.Size(cfg.DiskBytes)
	cmd := &cobra.Command{
		Use:   "compare",
		Short: "Compare the edge with nginx (static and proxy_cache) and Varnish in front of the same origin",
		Long: `Compare the vodedge edge with nginx serving the same files statically.

What is measured: for each scenario (a set of equally sized objects), wrk
drives each server in turn over keep-alive connections, walking the
objects in order, and records requests/s, MiB/s and latency percentiles.
Each round runs every scenario on every server; the server that goes
first changes each round, so machine drift hits all alike. Tables give
the median with the min–max over rounds, and the vodedge/nginx ratio of
medians, judged against each scenario's target.

Against what: nginx (Debian) serving the corpus from the page cache with
sendfile on, tcp_nopush on, open_file_cache, keepalive_requests 1000000
and a buffered access log, worker_processes auto (the package
documentation of bench lists every directive and why). vodedge runs as
'vodedge edge' over a file:// origin of the same corpus, with its access
log on and its disk tier off (--disk-bytes); before measuring, every object is requested until the edge
answers it from its RAM tier (X-Cache: HIT-RAM), and a round in which
the edge served anything from elsewhere is not counted.

The caches (vodedge, nginx-proxy: proxy_cache with slice and
proxy_cache_lock, varnish: malloc storage) are all in front of the same
origin, an HTTP server inside the bench with one port per cache, so
origin requests and bytes are counted per peer; nginx-static serves the
corpus directly. --peers picks them (vodedge first). --specials adds the
scenarios beyond hot objects (see 'vodedge bench suite', which runs them
all, and the bench package documentation).

Default targets (the product brief): hot-2MiB throughput >= 1.0 x nginx,
hot-16KiB requests/s >= 1.2 x nginx.

Needs nginx and wrk (apt-get install nginx wrk). It takes about
rounds x scenarios x 2 x duration (default 5 x 2 x 2 x 10s, about 4
minutes) plus set-up.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var err error
			if cfg.TLS {
				tlsDefaults(cmd.Flags(), &cfg, &scenarios)
			}
			if cfg.Scenarios, err = bench.ParseScenarios(scenarios); err != nil {
				return err
			}
			cfg.RAMBytes, cfg.DiskBytes = int64(ram), int64(disk)
			if pin != "" {
				if cfg.Pin, err = bench.NewPin(pin); err != nil {
					return err
				}
			}
			return runBench(cmd, g, &cfg.Tools, &cfg.Log, &cfg.Out, func(ctx context.Context) error {
				_, err := bench.RunCompare(ctx, cfg)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.IntVar(&cfg.Rounds, "rounds", cfg.Rounds, "rounds: each runs every scenario on every server once")
	f.StringSliceVar(&scenarios, "scenarios", scenarios,
		"scenarios, each NAME=COUNTxSIZE[:METRIC>=RATIO] (METRIC: throughput or rps), NAME=COUNTxplayer (COUNT player sessions: playlists, video and audio segments) or the name of a default one")
	f.Var(&ram, "ram-bytes", "vodedge's RAM tier (--ram-bytes of the edge); every scenario's objects must fit")
	f.Var(&disk, "disk-bytes", "vodedge's disk tier (--disk-bytes of the edge, kept in the work dir); 0: off")
	f.IntVar(&cfg.Disks, "disks", 0, "spread vodedge's disk tier over this many directories of the work dir (the edge's --disk DIR:SIZE each, --disk-bytes split evenly); with more than one, peer "+
		"vodedge-1disk is the same edge on one directory")
	bindPeerFlags(f, &cfg)
	f.StringVar(&pin, "pin", "", "run every server on these CPUs (--pin=LIST, a taskset list such as 0 or 0-1; --pin alone: CPU 0) and wrk on the others, nginx with one worker per server CPU: what a node serves per CPU")
	f.Lookup("pin").NoOptDefVal = "0"
	f.BoolVar(&cfg.TLS, "tls", false, "HTTPS: vodedge serves over TLS (--tls-listen) against itself over plain HTTP (vodedge-http) and nginx with ssl (nginx-tls), on hot-2MiB unless --peers/--scenarios say otherwise")
	bindLoadFlags(f, &cfg.Load)
	bindCommonFlags(f, &cfg.Tools, &cfg.WorkDir, &cfg.Keep, &cfg.ReportPath, true)
	addConfigFlag(cmd)
	return cmd
}

// tlsDefaults gives a TLS comparison its peers and scenario unless the
// flags named others.
func tlsDefaults(f *pflag.FlagSet, cfg *bench.CompareConfig, scenarios *[]string) {
	if !flagChanged(f, "peers") {
		cfg.Peers = bench.TLSPeerNames
	}
	if !flagChanged(f, "scenarios") {
		*scenarios = nil
		for _, s := range bench.TLSScenarios() {
			*scenarios = append(*scenarios, s.String())
		}
	}
}

func newBenchRSSCmd(g *globalOpts) *cobra.Command {
	cfg := bench.DefaultRSSConfig()
	ram, disk := bytesize.Size(cfg.RAMBytes), bytesize.Size(cfg.DiskBytes)
	size, small := bytesize.Size(cfg.ObjectSize), bytesize.Size(cfg.SmallSize)
	cmd := &cobra.Command{
		Use:   "rss",
		Short: "Measure the edge's resident memory under load with a working set larger than its RAM tier",
		Long: `Measure the vodedge edge's resident set size (RSS) under load.

The edge runs with --ram-bytes over a file:// origin holding a working
set of --working-set times that in --object-size objects (plus
--small-objects of --small-size), and wrk requests every object in a
shuffled order for --duration, so the RAM tier fills, evicts and refuses
all along. The disk tier is off unless --disk-bytes is set (its index
and buffers then count in the RSS too). VmRSS and VmHWM are read from
/proc/PID/status every --sample-every.

Against what: the bound of the product brief, 1.2 x RAM tier + 100MiB
(with the defaults, 1.2 x 256MiB + 100MiB = 407.2MiB). The report gives
the peak, the bound, whether it held, and the RAM tier's own figures at
the end (vodedge_ram_bytes, vodedge_ram_items) to show it was full.

Needs wrk (apt-get install wrk).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.RAMBytes, cfg.DiskBytes = int64(ram), int64(disk)
			cfg.ObjectSize, cfg.SmallSize = int64(size), int64(small)
			return runBench(cmd, g, &cfg.Tools, &cfg.Log, &cfg.Out, func(ctx context.Context) error {
				_, err := bench.RunRSS(ctx, cfg)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.Var(&ram, "ram-bytes", "vodedge's RAM tier (--ram-bytes of the edge)")
	f.Var(&disk, "disk-bytes", "vodedge's disk tier (--disk-bytes of the edge, kept in the work dir); 0: off, misses go to the origin")
	f.Float64Var(&cfg.WorkingSet, "working-set", cfg.WorkingSet, "large objects in total, as a multiple of --ram-bytes")
	f.Var(&size, "object-size", "size of the large objects")
	f.IntVar(&cfg.SmallObjects, "small-objects", cfg.SmallObjects, "number of small objects requested as well (0: none)")
	f.Var(&small, "small-size", "size of the small objects")
	f.DurationVar(&cfg.SampleEvery, "sample-every", cfg.SampleEvery, "period of the VmRSS/VmHWM samples")
	f.Uint64Var(&cfg.Seed, "seed", cfg.Seed, "seed of the request order's shuffle")
	bindLoadFlags(f, &cfg.Load)
	bindCommonFlags(f, &cfg.Tools, &cfg.WorkDir, &cfg.Keep, &cfg.ReportPath, false)
	addConfigFlag(cmd)
	return cmd
}

// bindLoadFlags binds wrk's settings.
func bindLoadFlags(f *pflag.FlagSet, l *bench.LoadConfig) {
	f.StringVar(&l.Client, "client", bench.ClientWrk, "the load generator: wrk, or discard ('vodedge bench load': bodies dropped in the kernel, uncopied, so the server's CPU saturates at every size; --threads is then unused)")
	f.DurationVar(&l.Duration, "duration", l.Duration, "length of each wrk run (whole seconds)")
	f.IntVar(&l.Connections, "connections", l.Connections, "keep-alive connections wrk keeps open (-c)")
	f.IntVar(&l.Threads, "threads", l.Threads, "wrk threads (-t); the connections are spread over them")
	f.DurationVar(&l.Timeout, "wrk-timeout", l.Timeout, "wrk --timeout: slower responses count as socket errors (0: wrk's 2s)")
	f.Int64Var(&l.MaxSocketErrors, "max-socket-errors", l.MaxSocketErrors, "socket errors a wrk run may report and still count")
}

// bindCommonFlags binds the programs and where the run keeps its files.
func bindCommonFlags(f *pflag.FlagSet, t *bench.Tools, workDir *string, keep *bool, report *string, nginx bool) {
	f.StringVar(&t.Vodedge, "vodedge-binary", "", "vodedge binary to measure (default: this executable)")
	f.StringVar(&t.Wrk, "wrk", "", "wrk binary (default: wrk in PATH)")
	if nginx {
		f.StringVar(&t.VodedgeBase, "vodedge-base-binary", "", "a second vodedge binary (another build), measured beside the first as the peer vodedge-base when --peers names it")
		f.StringArrayVar(&t.VodedgeArgs, "vodedge-arg", nil, "an argument added to the command line of the peer vodedge's edge, e.g. --vodedge-arg=--event-loops=1 (repeat for more)")
		f.StringArrayVar(&t.VodedgeBaseArgs, "vodedge-base-arg", nil, "an argument added to the command line of the peer vodedge-base's edge (repeat for more)")
		f.StringVar(&t.Nginx, "nginx", "", "nginx binary (default: nginx in PATH, else /usr/sbin/nginx)")
		f.StringVar(&t.Varnish, "varnishd", "", "varnishd binary (default: varnishd in PATH, else /usr/sbin/varnishd)")
	}
	f.StringVar(workDir, "workdir", "", "directory for the corpus, configs, logs and JSON report; never removed (default: a new temp dir, removed at the end unless --keep)")
	f.BoolVar(keep, "keep", false, "keep the temp work dir (corpus, nginx.conf, logs, wrk scripts, JSON report)")
	f.StringVar(report, "json", "", "also write the JSON report to this file")
}

// runBench gives a bench subcommand what every run needs — the vodedge
// binary (this one by default), the logger on stderr, stdout for the
// report — and runs it until it ends or SIGINT/SIGTERM cancels it.
func runBench(cmd *cobra.Command, g *globalOpts, tools *bench.Tools, log **slog.Logger, out *io.Writer, run func(context.Context) error) error {
	if err := defaultVodedge(tools); err != nil {
		return err
	}
	var err error
	if *log, err = g.stderrLogger(); err != nil {
		return err
	}
	*out = cmd.OutOrStdout()
	ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	return run(ctx)
}

// defaultVodedge measures this very binary unless --vodedge-binary says
// otherwise.
func defaultVodedge(t *bench.Tools) error {
	if t.Vodedge != "" {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return fmt.Errorf("--vodedge-binary: cannot find this executable: %w", err)
	}
	t.Vodedge = exe
	return nil
}

// newBareServerCmd is the fasthttp-bare peer's process: fasthttp serving
// the corpus and nothing else. The bench starts it; it is hidden because
// it is no product.
func newBareServerCmd() *cobra.Command {
	var cfg bench.BareServerConfig
	cmd := &cobra.Command{
		Use:    "bare-server",
		Short:  "Serve a directory with bare fasthttp (the bench's fasthttp-bare peer)",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if cfg.Root == "" || cfg.Listen == "" {
				return errors.New("bare-server: --root and --listen are required")
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			return bench.ServeBare(ctx, cfg)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Root, "root", "", "directory to serve")
	f.StringVar(&cfg.Listen, "listen", "", "address to listen on (host:port)")
	f.BoolVar(&cfg.FromDisk, "from-disk", false, "serve the files with fasthttp.FS instead of from memory")
	return cmd
}
