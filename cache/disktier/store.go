package disktier

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/vodedge/vodedge/cache/evict"
)

// disk is one drive's store: a Pebble index of the slices stored on it
// and one data file per slice. Everything a disk owns (index, files,
// space, eviction table, record cache, open files, scrubber, health) is
// its own, so disks share no lock. It is safe for concurrent use.
type disk struct {
	name   string // short name: metrics label, logs, admin API
	path   string // absolute; the placement identity
	weight float64
	cfg    Config // the tier's knobs, Dir set to path
	fs     FS
	db     *pebble.DB
	table  *evict.Table
	log    *slog.Logger
	m      *metrics
	free   func() (int64, error)
	margin int64 // kept free when CapacityBytes is 0 (auto)

	space struct {
		sync.Mutex
		used     int64 // bytes of committed data files (block-rounded)
		reserved int64 // bytes promised to writers in progress
		objects  int64
	}
	freeBytes atomic.Int64 // last free space read by the health check
	// recMu serializes read-modify-write of index records (commit, pin,
	// meta updates, eviction), so none overwrites or double-counts
	// another's change. It is held across index reads and NoSync writes
	// (no fsync), never across data-file I/O.
	recMu      sync.Mutex
	loaded     atomic.Bool
	verified   sync.Map // slice key -> struct{}: fully verified since start-up
	committing sync.Map // data file -> struct{}: being written, not yet indexed
	recs       *recCache
	fds        *fdCache
	health     health

	stop chan struct{}
	wg   sync.WaitGroup
	once sync.Once
}

// diskDeps are what the set gives each disk it opens.
type diskDeps struct {
	DiskDeps
	log *slog.Logger
	m   *metrics
}

// openDisk opens (or creates) the store of one disk. It deletes
// half-written temp files, opens the index and returns at once: the
// in-memory eviction table is loaded from the index in the background
// (lookups go to the index directly until then), so a restarted node
// serves its first hit without waiting for a scan. Segment data is never
// scanned.
func openDisk(cfg Config, name string, deps diskDeps) (*disk, error) {
	s := &disk{name: name, path: cfg.Dir, cfg: cfg, fs: deps.FS, log: deps.log.With("disk", name), m: deps.m, free: deps.FreeBytes,
		table: evict.New(cfg.Policy), recs: newRecCache(cfg.RecordCacheBytes), fds: newFDCache(cfg.OpenFiles), stop: make(chan struct{})}
	if s.fs == nil {
		s.fs = OSFS{Root: cfg.Dir}
	}
	if s.free == nil {
		s.free = func() (int64, error) { return statfsFree(cfg.Dir) }
	}
	s.health.init(cfg)
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("disktier: %w", err)
	}
	if err := s.size(); err != nil {
		return nil, err
	}
	if n, err := s.fs.RemoveTemps(); err != nil {
		return nil, fmt.Errorf("disktier: removing half-written files: %w", err)
	} else if n > 0 {
		s.log.Info("removed half-written files", "count", n)
	}
	if err := s.openIndex(deps.IndexFS); err != nil {
		return nil, err
	}
	s.start()
	return s, nil
}

func (s *disk) openIndex(fs vfs.FS) error {
	opts := &pebble.Options{Logger: pebbleLogger{s.log}}
	if fs != nil {
		opts.FS = fs
	}
	db, err := pebble.Open(filepath.Join(s.cfg.Dir, "index"), opts)
	if err != nil {
		return fmt.Errorf("disktier: opening index: %w", err)
	}
	s.db = db
	return nil
}

func (s *disk) start() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.load()
		s.sweep()
	}()
	s.goLoop(s.cfg.StatsEvery, s.saveStats)
	s.goLoop(healthEvery, s.checkHealth)
	if s.cfg.ScrubBytesPerSec > 0 {
		s.wg.Add(1)
		go s.scrub()
	}
}

// Loaded reports whether the eviction table has been loaded from the
// index; until then the disk admits no new objects.
func (s *disk) Loaded() bool { return s.loaded.Load() }

// Close stops the background work, saves access statistics and closes
// the index. It is safe to call more than once.
func (s *disk) Close() error {
	var err error
	s.once.Do(func() {
		close(s.stop)
		s.wg.Wait()
		if s.loaded.Load() {
			s.saveStats()
		}
		err = s.db.Close()
		s.fds.closeAll()
	})
	return err
}

// blocks rounds n up to the 4 KiB blocks a file really occupies; an empty
// file still costs an inode, counted as one block.
func blocks(n int64) int64 { return max((n+4095)&^4095, 4096) }

func statfsFree(dir string) (int64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return int64(st.Bavail) * st.Bsize, nil
}

// pebbleLogger sends Pebble's messages to slog.
type pebbleLogger struct{ l *slog.Logger }

func (p pebbleLogger) Infof(format string, args ...any) {
	p.l.Debug(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Errorf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
}

func (p pebbleLogger) Fatalf(format string, args ...any) {
	p.l.Error(fmt.Sprintf(format, args...), "component", "pebble")
	os.Exit(1)
}
