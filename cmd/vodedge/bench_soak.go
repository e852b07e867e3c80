package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/bench"
	"github.com/vodedge/vodedge/internal/bytesize"
)

func newBenchSoakCmd(g *globalOpts) *cobra.Command {
	cfg := bench.DefaultSoakConfig()
	ram, disk := bytesize.Size(cfg.RAMBytes), bytesize.Size(cfg.DiskBytes)
	cmd := &cobra.Command{
		Use:   "soak",
		Short: "Run a site of edges under a long mixed load and check their memory, goroutines and open files stay flat",
		Long: `Run a soak test: --nodes vodedge edges in one site cluster, in front of
the bench origin, under a mixed load for --duration: emulated HLS players
(--players at --player-speed x real time, Zipf title choice, ABR, each
player on a node chosen by a hash of its id with the others as
fallbacks) and --range-workers fetching random 64 KiB ranges of random
segments from random nodes (misses, peer fetches, ranges).

Every --sample-every, each node's resident memory (VmRSS), goroutines
(go_goroutines on its admin /metrics) and open files (/proc/PID/fd) are
printed. After --warmup, a figure is flat when the least-squares line
through the node's samples moves by at most --tolerance of their mean
over the run (noise around a level is shown as the spread, not judged);
the command fails otherwise, or when a node dies. The JSON report has
every sample.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.RAMBytes, cfg.DiskBytes = int64(ram), int64(disk)
			return runBench(cmd, g, &cfg.Tools, &cfg.Log, &cfg.Out, func(ctx context.Context) error {
				_, err := bench.RunSoak(ctx, cfg)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.DurationVar(&cfg.Duration, "duration", cfg.Duration, "length of the load")
	f.DurationVar(&cfg.Warmup, "warmup", cfg.Warmup, "first part of the load left out of the verdict (tiers fill, connections open)")
	f.DurationVar(&cfg.SampleEvery, "sample-every", cfg.SampleEvery, "sampling period")
	f.Float64Var(&cfg.Tolerance, "tolerance", cfg.Tolerance, "largest drift of a figure over the run after the warm-up, as a fraction of its mean")
	f.IntVar(&cfg.Nodes, "nodes", cfg.Nodes, "edges in the site")
	f.Var(&ram, "ram-bytes", "each edge's RAM tier")
	f.Var(&disk, "disk-bytes", "each edge's disk tier")
	f.IntVar(&cfg.Players, "players", cfg.Players, "emulated players")
	f.IntVar(&cfg.Titles, "titles", cfg.Titles, "titles in the catalogue")
	f.IntVar(&cfg.Segments, "segments", cfg.Segments, "4-second segments per title")
	f.Float64Var(&cfg.PlayerSpeed, "player-speed", cfg.PlayerSpeed, "playback speed (1 real time)")
	f.IntVar(&cfg.RangeWorkers, "range-workers", cfg.RangeWorkers, "clients fetching random ranges (about 20/s each)")
	f.StringArrayVar(&cfg.Tools.VodedgeArgs, "vodedge-arg", nil, "an argument added to every edge's command line, e.g. --vodedge-arg=--event-loops=1 (repeat for more)")
	bindCommonFlags(f, &cfg.Tools, &cfg.WorkDir, &cfg.Keep, &cfg.ReportPath, false)
	addConfigFlag(cmd)
	return cmd
}
