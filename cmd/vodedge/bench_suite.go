package main

import (
	"context"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/bench"
	"github.com/vodedge/vodedge/bench/trace"
	"github.com/vodedge/vodedge/internal/bytesize"
)

// bindPeerFlags binds the peers, the special scenarios and the origin.
func bindPeerFlags(f *pflag.FlagSet, cfg *bench.CompareConfig) {
	f.StringSliceVar(&cfg.Peers, "peers", cfg.Peers, "servers to measure, vodedge first: "+strings.Join(bench.PeerNames, ","))
	f.StringSliceVar(&cfg.Specials, "specials", cfg.Specials, "special scenarios to run after the hot ones: "+strings.Join(bench.SpecialNames(), ","))
	f.DurationVar(&cfg.OriginDelay, "origin-delay", cfg.OriginDelay, "the bench origin's delay before each response's first byte")
	f.Int64Var(&cfg.OriginBytesPerSec, "origin-rate", cfg.OriginBytesPerSec, "the bench origin's rate cap per response, bytes/s (0: none)")
	sp := &cfg.Special
	f.IntVar(&sp.ColdClients, "cold-clients", sp.ColdClients, "cold-collapse: concurrent requests for one cold object")
	f.IntVar(&sp.Players, "players", sp.Players, "players: emulated players per round")
	f.Float64Var(&sp.PlayerSpeed, "player-speed", sp.PlayerSpeed, "players: playback speed (1 real time, 0 as fast as possible)")
	f.IntVar(&sp.TraceRequests, "trace-requests", sp.TraceRequests, "trace-replay: requests per round")
}

func newBenchSimCmd() *cobra.Command {
	cfg := bench.DefaultSimConfig()
	var out string
	slice := bytesize.Size(cfg.Sim.SliceBytes)
	cmd := &cobra.Command{
		Use:   "sim",
		Short: "Simulate the hit ratio of the edge's RAM and disk policies against LRU and Belady's MIN on a trace",
		Long: `Replay a request trace through cache policies of several sizes and print
byte and object hit ratios. The vodedge policies run the edge's own code
(cache/ramtier: ristretto TinyLFU; cache/evict: Compact's S3-FIFO, and
the former sampled LFU-DA), against
exact LRU (nginx proxy_cache, Varnish), S3-FIFO and SIEVE (from their
papers) and Belady's MIN (future knowledge: the bound). See the bench/hitsim package documentation.

The trace is generated (--days, --titles, --sessions, --alpha, --seed: a
VoD site with daily popularity drift) or read from --trace FILE (CSV:
time_s,client,key,range,size). With --out DIR the tables (sim.md,
sim.json) and plots (PNG) are written there.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Sim.SliceBytes, cfg.OutDir, cfg.Out = int64(slice), out, cmd.OutOrStdout()
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			_, err := bench.RunSim(ctx, cfg)
			return err
		},
	}
	f := cmd.Flags()
	bindSimFlags(f, &cfg)
	f.Var(&slice, "slice-bytes", "the edge's slice size: the unit every policy caches")
	f.StringVar(&out, "out", "", "write sim.md, sim.json and the plots into this directory")
	return cmd
}

func bindSimFlags(f *pflag.FlagSet, cfg *bench.SimConfig) {
	bindTraceFlags(f, &cfg.Trace)
	f.StringVar(&cfg.TracePath, "trace", "", "read this trace CSV instead of generating one")
	f.StringVar(&cfg.WriteTrace, "write-trace", "", "also write the generated trace to this CSV file")
	f.Float64SliceVar(&cfg.Sim.Shares, "sizes", cfg.Sim.Shares, "cache sizes as shares of the trace's footprint")
	f.StringSliceVar(&cfg.Sim.Policies, "policies", cfg.Sim.Policies, "policies to simulate")
	f.IntVar(&cfg.Sim.WarmupDays, "warmup-days", cfg.Sim.WarmupDays, "days replayed before counting")
	f.Float64Var(&cfg.Sim.FillShare, "fill-share", cfg.Sim.FillShare, "vodedge-fill: share of the capacity filled overnight")
}

func bindTraceFlags(f *pflag.FlagSet, g *trace.GenConfig) {
	f.Uint64Var(&g.Seed, "seed", g.Seed, "trace generator seed")
	f.IntVar(&g.Days, "days", g.Days, "days of trace")
	f.IntVar(&g.Titles, "titles", g.Titles, "titles in the catalogue")
	f.IntVar(&g.NewPerDay, "new-per-day", g.NewPerDay, "titles released each day")
	f.IntVar(&g.SessionsPerDay, "sessions", g.SessionsPerDay, "player sessions a day")
	f.Float64Var(&g.Alpha, "alpha", g.Alpha, "Zipf exponent of a day's title popularity")
	f.StringVar((*string)(&g.Layout), "layout", string(g.Layout), "segments (one file per segment) or ranges (one file per rendition)")
}

func newBenchTraceCmd() *cobra.Command {
	g := trace.DefaultGenConfig()
	cmd := &cobra.Command{
		Use:   "trace",
		Short: "Write a generated request trace (CSV) with daily popularity drift to stdout",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			reqs, err := trace.Generate(g)
			if err != nil {
				return err
			}
			return trace.WriteAll(cmd.OutOrStdout(), reqs)
		},
	}
	bindTraceFlags(cmd.Flags(), &g)
	return cmd
}

func newBenchSuiteCmd(g *globalOpts) *cobra.Command {
	cfg := bench.DefaultSuiteConfig()
	ram, disk := bytesize.Size(cfg.Compare.RAMBytes), bytesize.Size(cfg.Compare.DiskBytes)
	cmd := &cobra.Command{
		Use:   "suite",
		Short: "Run every comparison scenario and the hit-ratio simulation; write the report (Markdown, JSON, PNG)",
		Long: `The full bench: 'vodedge bench compare' against every peer with every
special scenario, then 'vodedge bench sim', into --out: report.md (the
tables, the load average, the command), report.json and PNG plots.
Takes about 25 minutes with the defaults. Needs nginx, varnish and wrk.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Compare.RAMBytes, cfg.Compare.DiskBytes = int64(ram), int64(disk)
			cfg.Command = "vodedge bench suite " + strings.Join(os.Args[3:], " ")
			return runBench(cmd, g, &cfg.Compare.Tools, &cfg.Compare.Log, &cfg.Compare.Out, func(ctx context.Context) error {
				_, err := bench.RunSuite(ctx, cfg)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.OutDir, "out", "bench-results", "directory for report.md, report.json and the plots")
	f.IntVar(&cfg.Compare.Rounds, "rounds", cfg.Compare.Rounds, "rounds of every scenario")
	f.Var(&ram, "ram-bytes", "vodedge's RAM tier (and Varnish's malloc storage)")
	f.Var(&disk, "disk-bytes", "vodedge's disk tier (nginx proxy_cache gets at least 4GiB)")
	bindPeerFlags(f, &cfg.Compare)
	bindLoadFlags(f, &cfg.Compare.Load)
	bindCommonFlags(f, &cfg.Compare.Tools, &cfg.Compare.WorkDir, &cfg.Compare.Keep, &cfg.Compare.ReportPath, true)
	f.Uint64Var(&cfg.Sim.Trace.Seed, "seed", cfg.Sim.Trace.Seed, "simulation trace seed")
	return cmd
}
