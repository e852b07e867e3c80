package disktier

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vodedge/vodedge/cache/evict"
)

// Errors callers classify.
var (
	// ErrNotAdmitting is returned by Create while the tier is loading or
	// degraded: the caller serves the object without storing it.
	ErrNotAdmitting = errors.New("disktier: not admitting new objects")
	// ErrFull means no space could be freed: everything left is pinned.
	ErrFull = errors.New("disktier: full (everything left is pinned)")
	// ErrChecksum marks stored bytes that do not match their checksum.
	ErrChecksum = errors.New("disktier: checksum mismatch")
	// ErrNotFound means the key is not stored (or its file vanished).
	ErrNotFound = errors.New("disktier: not found")
)

// Store is the disk tier: a Pebble index of stored slices and one data
// file per slice. It is safe for concurrent use.
type Store struct {
	cfg   Config
	fs    FS
	db    *pebble.DB
	table *evict.Table
	log   *slog.Logger
	m     *metrics
	free  func() (int64, error)

	space struct {
		sync.Mutex
		used     int64 // bytes of committed data files (block-rounded)
		reserved int64 // bytes promised to writers in progress
		objects  int64
	}
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

// Open opens (or creates) the store in cfg.Dir. It deletes half-written
// temp files, opens the index and returns at once: the in-memory
// eviction table is loaded from the index in the background (lookups go
// to the index directly until then), so a restarted node serves its first
// hit without waiting for a scan. Segment data is never scanned.
func Open(cfg Config, deps Deps) (*Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Store{cfg: cfg, fs: deps.FS, log: deps.Logger, free: deps.FreeBytes, table: evict.New(cfg.Policy), recs: newRecCache(cfg.RecordCacheBytes), fds: newFDCache(cfg.OpenFiles), stop: make(chan struct{})}
	if s.fs == nil {
		s.fs = OSFS{Root: cfg.Dir}
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.free == nil {
		s.free = func() (int64, error) { return statfsFree(cfg.Dir) }
	}
	s.health.init(cfg)
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("disktier: %w", err)
	}
	if n, err := s.fs.RemoveTemps(); err != nil {
		return nil, fmt.Errorf("disktier: removing half-written files: %w", err)
	} else if n > 0 {
		s.log.Info("removed half-written files", "count", n)
	}
	if err := s.openIndex(deps); err != nil {
		return nil, err
	}
	m, err := newMetrics(deps.Registerer, s)
	if err != nil {
		s.db.Close()
		return nil, err
	}
	s.m = m
	s.start()
	return s, nil
}

func (s *Store) openIndex(deps Deps) error {
	opts := &pebble.Options{Logger: pebbleLogger{s.log}}
	if deps.IndexFS != nil {
		opts.FS = deps.IndexFS
	}
	db, err := pebble.Open(filepath.Join(s.cfg.Dir, "index"), opts)
	if err != nil {
		return fmt.Errorf("disktier: opening index: %w", err)
	}
	s.db = db
	return nil
}

func (s *Store) start() {
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
// index; until then the store admits no new objects.
func (s *Store) Loaded() bool { return s.loaded.Load() }

// Close stops the background work, saves access statistics and closes
// the index. It is safe to call more than once.
func (s *Store) Close() error {
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
