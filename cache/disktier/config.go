package disktier

import (
	"errors"
	"fmt"
	"log/slog"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
)

// Config sizes and tunes the disk tier. Disks lists the drives; every
// other knob applies to each disk alike, except the two memory budgets
// (RecordCacheBytes, OpenFiles), which are the tier's and split evenly
// among its disks.
type Config struct {
	// Disks are the tier's drives, each an independent store with its
	// own index, data files, space accounting, scrubber and health.
	Disks []Disk
	// Dir and CapacityBytes are the one-disk shorthand: with Disks empty,
	// the tier is the one disk {Dir, CapacityBytes}. Give one or the
	// other, not both.
	Dir           string
	CapacityBytes int64
	// ChunkBytes is the checksum granularity: a range is verified by
	// reading only the chunks it touches. Default 64 KiB.
	ChunkBytes int
	// VerifySample is the fraction of reads, after an object's first read
	// since start-up (always verified), that are verified again. Default
	// 0.01.
	VerifySample float64
	// ScrubBytesPerSec bounds the background scrubber's reads; 0 turns it
	// off. Default 16 MiB/s. ScrubPause separates passes (default 1 min).
	ScrubBytesPerSec int64
	ScrubPause       time.Duration
	// MaxErrors I/O errors within ErrorWindow make a disk degraded: it
	// stops admitting new objects and keeps serving what it can read.
	// FailErrors within the window fail it: it is taken out of service.
	MaxErrors   int
	FailErrors  int
	ErrorWindow time.Duration
	// MinFreeBytes of free space are kept on the filesystem; below it the
	// tier is degraded ("disk full"). Default 256 MiB.
	MinFreeBytes int64
	// StatsEvery is how often each disk's eviction state is saved to a
	// file beside its index (it is also saved at Close), so a restarted
	// disk keeps its eviction order. Default 5 minutes.
	StatsEvery time.Duration
	// RecordCacheBytes bounds the decoded index records kept in memory
	// for disk hits (a few hundred bytes each, more with large response
	// headers); 0 turns the cache off. Default 16 MiB.
	RecordCacheBytes int64
	// IndexCacheBytes and IndexCacheMaxBytes bound each disk's Pebble
	// block cache (index and filter blocks, records): per disk, since
	// what it must hold grows with the slices a disk holds. Its capacity
	// is IndexCacheMaxBytes, at least IndexCacheBytes; it takes what it
	// has read (warm.go: about 300 bytes a slice, outside the Go heap),
	// and the whole index is read into it after start if it fits.
	// IndexCacheBytes 0 leaves Pebble its own default (8 MiB) and reads
	// nothing ahead. Defaults 64 MiB and 8 GiB (about 25 million
	// slices).
	IndexCacheBytes    int64
	IndexCacheMaxBytes int64
	// OpenFiles is how many data files are kept open for reads (ReadAt)
	// and sends (Hold), saving an open and a close per disk hit; 0
	// turns it off. Default 4096, or a quarter of the process's descriptor
	// limit when that is lower (sockets need the rest).
	OpenFiles int
	// SizeCheck is how long an open data file's length is trusted: a
	// hit on a file checked longer ago checks it again (fstat) before
	// its header goes out. A file cut within that time is found by the
	// send, which ends short: the response is cut and the slice evicted,
	// as when a file is cut while it is being sent. 0 checks on every
	// hit. Default 1 s: the fstat was 6 % of a 16 KiB disk hit's CPU.
	SizeCheck time.Duration

	test testHooks // zero outside tests
}

// testHooks let tests reach inside a disk.
type testHooks struct {
	keyHash    func(key string) uint64 // replaces evict.Hash: collisions
	pageKeys   int                     // replaces loadPage in reconciliation
	beforePage func()                  // called before each reconciliation page
}

// DefaultConfig returns the configuration of one disk, dir, with
// capacity bytes (0: follow the filesystem, see Disk).
func DefaultConfig(dir string, capacity int64) Config {
	return Config{
		Dir:                dir,
		CapacityBytes:      capacity,
		ChunkBytes:         64 << 10,
		VerifySample:       0.01,
		ScrubBytesPerSec:   16 << 20,
		ScrubPause:         time.Minute,
		MaxErrors:          5,
		FailErrors:         50,
		ErrorWindow:        time.Minute,
		MinFreeBytes:       256 << 20,
		StatsEvery:         5 * time.Minute,
		RecordCacheBytes:   16 << 20,
		IndexCacheBytes:    64 << 20,
		IndexCacheMaxBytes: 8 << 30,
		OpenFiles:          defaultOpenFiles(),
		SizeCheck:          time.Second,
	}
}

func (c *Config) validate() error {
	var errs []error
	bad := func(f string, a ...any) { errs = append(errs, fmt.Errorf("disktier: "+f, a...)) }
	if err := checkDisks(c.DiskList(), c.Dir != "" && len(c.Disks) > 0); err != nil {
		errs = append(errs, err)
	}
	if c.ChunkBytes < 4<<10 || c.ChunkBytes > 16<<20 {
		bad("chunk size must be within 4 KiB..16 MiB, got %d", c.ChunkBytes)
	}
	if c.VerifySample < 0 || c.VerifySample > 1 {
		bad("verify sample must be within 0..1, got %v", c.VerifySample)
	}
	if c.FailErrors < c.MaxErrors {
		bad("fail errors (%d) must be at least max errors (%d)", c.FailErrors, c.MaxErrors)
	}
	if c.MaxErrors < 1 || c.ErrorWindow <= 0 || c.StatsEvery <= 0 || c.ScrubBytesPerSec < 0 || c.RecordCacheBytes < 0 || c.IndexCacheBytes < 0 || c.IndexCacheMaxBytes < 0 || c.OpenFiles < 0 || c.MinFreeBytes < 0 || c.ScrubPause < 0 || c.SizeCheck < 0 {
		bad("error window, stats interval, scrub rate, free space and size check must be positive")
	}
	return errors.Join(errs...)
}

// Deps are the store's injected dependencies.
type Deps struct {
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// FS, IndexFS and FreeBytes replace the real filesystem of a tier
	// with one disk (tests); with several, PerDisk does.
	//
	// FS is the data directory; nil means OSFS{Root: the disk's path}.
	FS FS
	// IndexFS is Pebble's filesystem; nil means the real one. Tests use
	// vfs.NewMem() and errorfs.
	IndexFS vfs.FS
	// FreeBytes reports free space on the data filesystem; nil uses statfs.
	FreeBytes func() (int64, error)
	// PerDisk, when set, gives each disk (by path) its filesystems; what
	// it leaves nil is the real one.
	PerDisk func(path string) DiskDeps
}

// DiskDeps replace one disk's filesystems (see Deps).
type DiskDeps struct {
	FS        FS
	IndexFS   vfs.FS
	FreeBytes func() (int64, error)
}

// forDisk returns the filesystems of the disk at path.
func (d Deps) forDisk(path string) DiskDeps {
	if d.PerDisk != nil {
		return d.PerDisk(path)
	}
	return DiskDeps{FS: d.FS, IndexFS: d.IndexFS, FreeBytes: d.FreeBytes}
}

// defaultOpenFiles is 4096, or a quarter of RLIMIT_NOFILE when lower.
func defaultOpenFiles() int {
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		return 4096
	}
	return int(min(4096, lim.Cur/4))
}
