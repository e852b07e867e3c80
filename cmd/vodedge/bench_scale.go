package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/bench"
	"github.com/vodedge/vodedge/internal/bytesize"
)

func newBenchScaleCmd(g *globalOpts) *cobra.Command {
	cfg := bench.DefaultScaleConfig()
	sizes := objectCounts(cfg.Sizes)
	slice := bytesize.Size(cfg.SliceBytes)
	cmd := &cobra.Command{
		Use:   "scale",
		Short: "Measure the disk tier at 100k, 2 M and 20 M stored objects: restart, memory, lookups, eviction",
		Long: `Measure the disk tier holding many objects, one size after another.

For each size, a disk is populated in the work dir: an index record for
every object, written straight into Pebble in batches (the tier's bulk
load), and a data file for at most --max-files of them, sparse (an
inode each, no data blocks), so that 20 M objects need 2 M inodes and a
few GB of index rather than 20 M files. Then a fresh process
('vodedge bench scale-node') opens the tier on it, as a restarted node
would, and measures:

  first hit    from its exec to a slice looked up and its first bytes read
  ready        to the index loaded (the tier admits new objects)
  RSS, heap    before Open and once loaded, per object
  warmed       to every index record read into Pebble's block cache
  swept        to the end of the orphan sweep that follows
  lookup       p50/p99 of Lookup on uniformly random stored keys: once
               loaded, and again once swept; then on Zipf(1) keys
  eviction     Create past capacity (evicting one slice) against Create
               that fits: the difference per victim
  index        Pebble's files on disk, after populating and after the
               child saved access statistics at close

A lookup reads the index only, so index-only records are looked up like
those with files. Each disk is removed once measured unless --keep. The
table goes to stdout and to --out (scale.txt, scale.json).

On 2 cores: about 2 to 3 minutes at 2 M objects (populating 2 M files
takes most of it) and 10 to 12 at 20 M (8 to populate, 5.6 GB of index);
at 20 M the measuring process peaks at about 9.5 GB (Pebble's block cache
holding the whole index).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg.Sizes, cfg.SliceBytes = sizes, int64(slice)
			return runBench(cmd, g, &cfg.Tools, &cfg.Log, &cfg.Out, func(ctx context.Context) error {
				_, err := bench.RunScale(ctx, cfg)
				return err
			})
		},
	}
	f := cmd.Flags()
	f.Var(&sizes, "objects", "object counts to measure, e.g. 100k,2m,20m")
	f.IntVar(&cfg.MaxFiles, "max-files", cfg.MaxFiles, "data files per size at most; the other objects have index records only")
	f.Var(&slice, "slice-bytes", "length of every stored slice")
	f.IntVar(&cfg.Lookups, "lookups", cfg.Lookups, "random lookups timed per size")
	f.DurationVar(&cfg.LookupTime, "lookup-time", cfg.LookupTime, "time bound of the lookups per size")
	f.IntVar(&cfg.Baseline, "baseline", cfg.Baseline, "slices written while they fit (the cost of a Create without eviction)")
	f.IntVar(&cfg.Evictions, "evictions", cfg.Evictions, "slices written past capacity, each evicting one")
	f.DurationVar(&cfg.NodeTimeout, "node-timeout", cfg.NodeTimeout, "time bound of one size's measuring process")
	f.StringVar(&cfg.Tools.Vodedge, "vodedge-binary", "", "vodedge binary that measures (default: this executable)")
	f.StringVar(&cfg.WorkDir, "workdir", "", "directory for the disks (default: a new temp dir); each disk is removed once measured unless --keep")
	f.BoolVar(&cfg.Keep, "keep", false, "keep the disks")
	f.BoolVar(&cfg.Reuse, "reuse", false, "measure disks an earlier --keep run left in --workdir for the same sizes instead of populating them again (a shortcut for comparisons: earlier runs' writes and evictions stay)")
	f.StringVar(&cfg.OutDir, "out", cfg.OutDir, "directory for scale.txt and scale.json (\"\": none)")
	return cmd
}

// newBenchScaleNodeCmd is the process that measures one size of 'bench
// scale'; hidden, as bare-server is.
func newBenchScaleNodeCmd(g *globalOpts) *cobra.Command {
	var cfg bench.ScaleNodeConfig
	var result string
	var started int64
	slice := bytesize.Size(0)
	cmd := &cobra.Command{
		Use:    "scale-node",
		Short:  "Open a populated disk tier and measure it (a process of 'vodedge bench scale')",
		Hidden: true,
		Args:   cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			withHugeMalloc()
			if result == "" {
				return errors.New("scale-node: --result is required")
			}
			cfg.SliceBytes = int64(slice)
			if started > 0 {
				cfg.Started = time.Unix(0, started)
			}
			var err error
			if cfg.Log, err = g.stderrLogger(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), syscall.SIGINT, syscall.SIGTERM)
			defer stop()
			res, err := bench.RunScaleNode(ctx, cfg)
			if err != nil {
				return err
			}
			b, err := json.Marshal(res)
			if err != nil {
				return err
			}
			return os.WriteFile(result, b, 0o644)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Dir, "dir", "", "the populated disk")
	f.StringVar(&result, "result", "", "write the figures (JSON) to this file")
	f.IntVar(&cfg.Objects, "objects", 0, "objects stored")
	f.IntVar(&cfg.Files, "files", 0, "of which have data files")
	f.Var(&slice, "slice-bytes", "length of every slice")
	f.IntVar(&cfg.Lookups, "lookups", 0, "random lookups timed")
	f.DurationVar(&cfg.LookupTime, "lookup-time", 0, "time bound of the lookups")
	f.IntVar(&cfg.Baseline, "baseline", 0, "slices written while they fit")
	f.IntVar(&cfg.Evictions, "evictions", 0, "slices written past capacity")
	f.DurationVar(&cfg.ReadyTimeout, "ready-timeout", time.Hour, "time bound of the index load")
	f.Int64Var(&started, "started", 0, "when the parent started this process (Unix ns)")
	f.StringVar(&cfg.PeerDir, "peer-dir", "", "another populated disk, whose lookups are timed in turn with this one's at the end")
	f.IntVar(&cfg.PeerObjects, "peer-objects", 0, "objects stored on the peer disk")
	return cmd
}

// objectCounts is a list of counts written with an optional k or m
// suffix (thousands, millions): 100k,2m,20m.
type objectCounts []int

func (o *objectCounts) String() string {
	parts := make([]string, len(*o))
	for i, n := range *o {
		switch {
		case n%1_000_000 == 0:
			parts[i] = strconv.Itoa(n/1_000_000) + "m"
		case n%1000 == 0:
			parts[i] = strconv.Itoa(n/1000) + "k"
		default:
			parts[i] = strconv.Itoa(n)
		}
	}
	return strings.Join(parts, ",")
}

func (o *objectCounts) Set(s string) error {
	var out objectCounts
	for _, p := range strings.Split(s, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		mult := 1
		if strings.HasSuffix(p, "k") {
			p, mult = strings.TrimSuffix(p, "k"), 1000
		} else if strings.HasSuffix(p, "m") {
			p, mult = strings.TrimSuffix(p, "m"), 1_000_000
		}
		n, err := strconv.Atoi(p)
		if err != nil || n < 1 || n > 1_000_000_000/mult {
			return fmt.Errorf("%q: want a positive count, e.g. 100k or 2m", p)
		}
		out = append(out, n*mult)
	}
	*o = out
	return nil
}

func (o *objectCounts) Type() string { return "counts" }
