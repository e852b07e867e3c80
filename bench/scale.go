package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/bytesize"
)

// ScaleConfig configures RunScale: the disk tier at several object
// counts, each measured by a fresh child process.
//
// How it fits a machine: every size gets index records for all its
// objects, written straight into Pebble (disktier.BulkLoad), but data
// files for at most MaxFiles of them, sparse (an inode each, no data
// blocks). Records without a file are looked up like the others (a
// lookup reads the index, never the file); the first hit reads a slice
// that has one. 20 M objects so need 20 M index records (a few GB) and
// 2 M inodes, where 20 M real files would need more inodes than a
// 16 M-inode root filesystem has.
type ScaleConfig struct {
	// Sizes are the object counts measured, in order.
	Sizes []int
	// MaxFiles caps the data files of a size (the rest are index-only).
	MaxFiles int
	// SliceBytes is every slice's length (records and new writes).
	SliceBytes int64
	// Lookups, LookupTime, Baseline and Evictions are as in
	// ScaleNodeConfig.
	Lookups             int
	LookupTime          time.Duration
	Baseline, Evictions int
	// NodeTimeout bounds one child's run.
	NodeTimeout time.Duration
	// Tools.Vodedge runs the child ('vodedge bench scale-node').
	Tools Tools
	// WorkDir holds the disks (a temp dir when empty); each size's disk
	// is removed once measured unless Keep.
	WorkDir string
	Keep    bool
	// Reuse measures a disk a previous run kept in WorkDir (Keep) for the
	// same size, file count and slice length rather than populating it
	// again (8 minutes at 20 M). Its saved eviction state is removed
	// first, so the child restarts as on a fresh disk; what earlier
	// children changed stays (a few hundred slices written and evicted,
	// access statistics saved), and the create and eviction figures mean
	// nothing (the slices it writes exist already): a shortcut for
	// comparing lookups across changes to the tier, not a fresh
	// measurement.
	Reuse bool
	// OutDir receives scale.txt (the table) and scale.json; "" writes
	// neither.
	OutDir string
	Out    io.Writer
	Log    *slog.Logger
}

// DefaultScaleConfig is the benchmark: 100k, 2 M and 20 M slices
// of 2 MiB, at most 2 M of them with data files.
func DefaultScaleConfig() ScaleConfig {
	return ScaleConfig{
		Sizes: []int{100_000, 2_000_000, 20_000_000}, MaxFiles: 2_000_000, SliceBytes: 2 << 20,
		Lookups: 200_000, LookupTime: 20 * time.Second, Baseline: 50, Evictions: 200,
		NodeTimeout: time.Hour, OutDir: "bench-results/scale",
	}
}

func (c *ScaleConfig) prepare() error {
	if c.Out == nil {
		c.Out = io.Discard
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	if len(c.Sizes) == 0 || c.MaxFiles < 1 || c.SliceBytes < 1 || c.NodeTimeout <= 0 {
		return errors.New("bench: scale: sizes, max files, slice size and node timeout must be positive")
	}
	for _, n := range c.Sizes {
		if n < 1 {
			return fmt.Errorf("bench: scale: size %d", n)
		}
	}
	if c.Tools.Vodedge == "" {
		return errors.New("bench: no vodedge binary given")
	}
	return nil
}

// ScaleReport is the outcome of RunScale, also written as JSON.
type ScaleReport struct {
	Started    time.Time   `json:"started"`
	Host       HostInfo    `json:"host"`
	SliceBytes int64       `json:"slice_bytes"`
	MaxFiles   int         `json:"max_data_files"`
	WorkDir    string      `json:"work_dir"`
	Rows       []ScaleSize `json:"sizes"`
}

// ScaleSize is one object count's figures.
type ScaleSize struct {
	Objects int           `json:"objects"`
	Files   int           `json:"data_files"`
	Load    time.Duration `json:"populate_ns"`
	// IndexBytes is the index on disk after populating; IndexAfter after
	// the child ran (it saved access statistics at close).
	IndexBytes int64 `json:"index_bytes"`
	IndexAfter int64 `json:"index_after_bytes"`
	// PeakRSS is the largest VmRSS the parent sampled of the child.
	PeakRSS int64           `json:"peak_rss_bytes"`
	Node    ScaleNodeResult `json:"node"`
}

// RSSPerObject is the resident memory the loaded index added, per object.
func (r ScaleSize) RSSPerObject() float64 {
	return float64(r.Node.RSSLoaded-r.Node.RSSBefore) / float64(r.Objects)
}

// HeapPerObject is the live Go heap the loaded index added, per object.
func (r ScaleSize) HeapPerObject() float64 {
	return (float64(r.Node.HeapLoaded) - float64(r.Node.HeapBefore)) / float64(r.Objects)
}

// RunScale populates a disk for each size and measures it in a child
// process. A size that cannot be measured ends the run with an error,
// after printing what was measured.
func RunScale(ctx context.Context, cfg ScaleConfig) (*ScaleReport, error) {
	if err := cfg.prepare(); err != nil {
		return nil, err
	}
	wd, err := openWorkDir(cfg.WorkDir, "vodedge-bench-scale-*", cfg.Keep)
	if err != nil {
		return nil, err
	}
	rep := &ScaleReport{Started: time.Now(), Host: hostInfo(ctx, cfg.Tools), SliceBytes: cfg.SliceBytes, MaxFiles: cfg.MaxFiles, WorkDir: wd.path}
	fmt.Fprintf(cfg.Out, "vodedge bench scale: %d CPUs, load average %s; work dir %s\n", rep.Host.CPUs, rep.Host.LoadAverage, wd.path)
	var peer *ScaleSize // the first size, measured again beside each later one
	for i, n := range cfg.Sizes {
		var row *ScaleSize
		keep := cfg.Keep || (i == 0 && len(cfg.Sizes) > 1)
		if row, err = runScaleSize(ctx, &cfg, wd, n, keep, peer); err != nil {
			break
		}
		rep.Rows = append(rep.Rows, *row)
		if i == 0 {
			peer = row
		}
	}
	if peer != nil && !cfg.Keep {
		err = errors.Join(err, os.RemoveAll(filepath.Dir(scaleDiskDir(wd, peer.Objects))))
	}
	rep.print(cfg.Out)
	if len(rep.Rows) > 0 {
		err = errors.Join(err, rep.write(cfg.OutDir, cfg.Out))
	}
	return rep, errors.Join(err, wd.close())
}

func scaleDiskDir(wd *workDir, n int) string { return wd.join("scale-"+strconv.Itoa(n), "disk") }

// runScaleSize populates n objects, measures them in a child (with the
// peer's disk for paired lookups, if any) and removes the disk unless
// kept.
func runScaleSize(ctx context.Context, cfg *ScaleConfig, wd *workDir, n int, keep bool, peer *ScaleSize) (*ScaleSize, error) {
	dir := scaleDiskDir(wd, n)
	if !keep {
		defer os.RemoveAll(filepath.Dir(dir))
	}
	row := &ScaleSize{Objects: n, Files: min(n, cfg.MaxFiles)}
	if err := populate(cfg, dir, row); err != nil {
		return nil, err
	}
	row.IndexBytes = dirBytes(filepath.Join(dir, "index"))
	var extra []string
	if peer != nil {
		extra = []string{"--peer-dir", scaleDiskDir(wd, peer.Objects), "--peer-objects", strconv.Itoa(peer.Objects)}
	}
	node, peak, err := runScaleChild(ctx, cfg, wd, dir, row, extra...)
	if err != nil {
		return nil, err
	}
	row.Node, row.PeakRSS = *node, peak
	row.IndexAfter = dirBytes(filepath.Join(dir, "index"))
	fmt.Fprintln(cfg.Out, row.line())
	return row, nil
}

// populate bulk-loads row's objects into dir, or with Reuse takes what
// an earlier run populated there for the same spec.
func populate(cfg *ScaleConfig, dir string, row *ScaleSize) error {
	marker := filepath.Join(filepath.Dir(dir), "populated")
	spec := fmt.Sprintf("objects %d files %d slice %d\n", row.Objects, row.Files, cfg.SliceBytes)
	if cfg.Reuse {
		if b, err := os.ReadFile(marker); err == nil && string(b) == spec {
			fmt.Fprintf(cfg.Out, "%d objects: reusing %s\n", row.Objects, dir)
			return removeSavedState(dir)
		}
	}
	if err := os.RemoveAll(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("bench: scale: %w", err)
	}
	fmt.Fprintf(cfg.Out, "%d objects: writing %d index records and %d sparse data files into %s\n", row.Objects, row.Objects, row.Files, dir)
	start := time.Now()
	err := disktier.BulkLoad(dir, disktier.BulkSpec{Objects: row.Objects, Files: row.Files, Length: cfg.SliceBytes, Key: scaleKey, Log: cfg.Log})
	if err != nil {
		return err
	}
	row.Load = time.Since(start)
	return os.WriteFile(marker, []byte(spec), 0o644)
}

// removeSavedState removes the eviction state a previous child saved at
// Close, so a reused disk restarts as a freshly populated one does.
func removeSavedState(dir string) error {
	if err := os.RemoveAll(filepath.Join(dir, disktier.StateFile)); err != nil {
		return fmt.Errorf("bench: scale: %w", err)
	}
	return nil
}

// runScaleChild runs 'vodedge bench scale-node' on dir, sampling its
// memory, and reads back what it measured.
func runScaleChild(ctx context.Context, cfg *ScaleConfig, wd *workDir, dir string, row *ScaleSize, extra ...string) (*ScaleNodeResult, int64, error) {
	result := filepath.Join(filepath.Dir(dir), "node.json")
	args := []string{"bench", "scale-node", "--dir", dir, "--result", result,
		"--objects", strconv.Itoa(row.Objects), "--files", strconv.Itoa(row.Files),
		"--slice-bytes", strconv.FormatInt(cfg.SliceBytes, 10),
		"--lookups", strconv.Itoa(cfg.Lookups), "--lookup-time", cfg.LookupTime.String(),
		"--baseline", strconv.Itoa(cfg.Baseline), "--evictions", strconv.Itoa(cfg.Evictions),
		"--ready-timeout", cfg.NodeTimeout.String(),
		"--started", strconv.FormatInt(time.Now().UnixNano(), 10)}
	args = append(args, extra...)
	p, err := startProcess("scale-node", wd.path, filepath.Join(filepath.Dir(dir), "node.log"), cfg.Tools.Vodedge, args...)
	if err != nil {
		return nil, 0, err
	}
	smp := startSampler(p.pid(), 50*time.Millisecond)
	select {
	case <-p.done:
	case <-ctx.Done():
	case <-time.After(cfg.NodeTimeout):
	}
	stopErr := p.stop(10*time.Second, syscall.SIGTERM)
	var peak int64
	for _, s := range smp.finish() {
		peak = max(peak, s.RSS)
	}
	if err := errors.Join(ctx.Err(), stopErr); err != nil {
		return nil, 0, err
	}
	if !p.cmd.ProcessState.Success() {
		return nil, 0, fmt.Errorf("bench: scale-node failed (%s); its output:\n%s", p.cmd.ProcessState, p.logTail(20))
	}
	b, err := os.ReadFile(result)
	if err != nil {
		return nil, 0, fmt.Errorf("bench: scale-node result: %w", err)
	}
	var res ScaleNodeResult
	if err := json.Unmarshal(b, &res); err != nil {
		return nil, 0, fmt.Errorf("bench: scale-node result: %w", err)
	}
	return &res, peak, nil
}

// dirBytes is the disk space the files under dir occupy (allocated
// blocks, so a sparse file counts what it really uses).
func dirBytes(dir string) int64 {
	var n int64
	_ = filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return nil
		}
		if fi, err := d.Info(); err == nil {
			if st, ok := fi.Sys().(*syscall.Stat_t); ok {
				n += st.Blocks * 512
			}
		}
		return nil
	})
	return n
}

// line is a one-line summary printed as soon as a size is measured.
func (r ScaleSize) line() string {
	return fmt.Sprintf("%d objects: first hit %.3f s, ready %.3f s, RSS +%.0f B/object, lookup p99 %.1f µs, eviction %.2f ms/victim",
		r.Objects, r.Node.FirstHit.Seconds(), r.Node.Ready.Seconds(), r.RSSPerObject(), us(r.Node.LookupP99), ms(r.Node.EvictionCost))
}

func us(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

func (rep *ScaleReport) print(w io.Writer) {
	fmt.Fprintf(w, "\n== scale: the disk tier at %s slices; records for every object, sparse data files for at most the first %d; each size measured by a fresh process\n",
		bytesize.Size(rep.SliceBytes), rep.MaxFiles)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "objects\tfiles\tpopulate\tindex\tindex+stats\tfirst hit\tready\twarmed\tswept\tRSS loaded\tRSS/obj\theap/obj\tpeak RSS open\tpeak RSS\thuge pages\tlookup p50\tlookup p99\tlate p50\tlate p99\tzipf p50\tzipf p99\tcreate\tcreate+evict p50\tp99\tevict/victim\tvictims\tclose\t")
	for _, r := range rep.Rows {
		n := r.Node
		fmt.Fprintf(tw, "%d\t%d\t%.1fs\t%s\t%s\t%.3fs\t%.3fs\t%.1fs\t%.1fs\t%s\t%.0f B\t%.0f B\t%s\t%s\t%s\t%.1fµs\t%.1fµs\t%.1fµs\t%.1fµs\t%.1fµs\t%.1fµs\t%.2fms\t%.2fms\t%.2fms\t%.2fms\t%d\t%.2fs\t\n",
			r.Objects, r.Files, r.Load.Seconds(), mib(r.IndexBytes), mib(r.IndexAfter), n.FirstHit.Seconds(), n.Ready.Seconds(), n.Warmed.Seconds(), n.Swept.Seconds(),
			mib(n.RSSLoaded), r.RSSPerObject(), r.HeapPerObject(), mib(n.HWMBeforeClose), mib(max(r.PeakRSS, n.HWM)), mibOrDash(n.HugeBeforeClose),
			us(n.LookupP50), us(n.LookupP99), us(n.LateLookupP50), us(n.LateLookupP99), us(n.ZipfP50), us(n.ZipfP99), ms(n.CreateP50), ms(n.EvictCreateP50), ms(n.EvictCreateP99), ms(n.EvictionCost), n.Victims, n.Close.Seconds())
	}
	tw.Flush()
	for _, r := range rep.Rows {
		if r.Node.CloseErr != "" {
			fmt.Fprintf(w, "%d objects: Close: %s\n", r.Objects, r.Node.CloseErr)
		}
	}
	fmt.Fprint(w, scaleLegend)
	rep.printPaired(w)
}

// printPaired prints the paired lookups of the sizes that had a peer.
func (rep *ScaleReport) printPaired(w io.Writer) {
	if len(rep.Rows) < 2 || rep.Rows[1].Node.Paired == nil {
		return
	}
	fmt.Fprintf(w, "\n== paired: each size's lookups and the first size's (its disk opened in the same process once the size was measured), timed %d at a time in turn\n", pairBatch)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "objects\tpeer\tlookups\tuniform p50\tp99\tpeer p50\tpeer p99\tp99 ratio\tzipf p50\tp99\tpeer p50\tpeer p99\tp99 ratio\t")
	for _, r := range rep.Rows {
		p := r.Node.Paired
		if p == nil {
			continue
		}
		u, z := p.Ratios()
		fmt.Fprintf(tw, "%d\t%d\t%d\t%.1fµs\t%.1fµs\t%.1fµs\t%.1fµs\t%.2f×\t%.1fµs\t%.1fµs\t%.1fµs\t%.1fµs\t%.2f×\t\n",
			r.Objects, p.PeerObjects, p.Lookups, us(p.OwnP50), us(p.OwnP99), us(p.PeerP50), us(p.PeerP99), u,
			us(p.OwnZipfP50), us(p.OwnZipfP99), us(p.PeerZipfP50), us(p.PeerZipfP99), z)
	}
	tw.Flush()
	fmt.Fprintln(w, "p99 ratio: the size's p99 ÷ the peer's, from the same run (noise from other jobs falls on both)")
}

const scaleLegend = `first hit, ready: from the child's exec to the first slice looked up and read, and to the index loaded;
swept, warmed: to the orphan sweep's end, and then to every record read into Pebble's block cache (both after ready, during the first lookup pass)
RSS/obj, heap/obj: (after load − before Open) / objects; heap is the live Go heap after a GC
peak RSS open: VmHWM before Close (load, orphan sweep, lookups, writes); peak RSS: over the whole run, Close included;
huge pages: AnonHugePages before Close (anonymous memory on transparent huge pages: the eviction table's, Pebble's cache with GLIBC_TUNABLES=glibc.malloc.hugetlb=1)
lookup: Lookup(key, touch) of uniformly random stored keys, once loaded; late: again once swept, after the writes;
zipf: last, keys drawn with Zipf(1) popularity (hot keys scattered over the key space)
create: Create of a slice that fits; create+evict: one past capacity, which evicts one slice first;
evict/victim: their difference in total, per victim
`

// write saves the table and the JSON report under dir.
func (rep *ScaleReport) write(dir string, out io.Writer) error {
	if dir == "" {
		return nil
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "vodedge bench scale, %s, %d CPUs, load average at start %s, %s\n", rep.Started.UTC().Format(time.RFC3339), rep.Host.CPUs, rep.Host.LoadAverage, rep.Host.Vodedge)
	rep.print(&b)
	if err := os.WriteFile(filepath.Join(dir, "scale.txt"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("bench: %w", err)
	}
	fmt.Fprintf(out, "report: %s, %s\n", filepath.Join(dir, "scale.txt"), filepath.Join(dir, "scale.json"))
	return writeFileJSON(filepath.Join(dir, "scale.json"), rep)
}
