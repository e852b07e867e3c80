package disktier

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/bloom"
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
	root   rootID     // the directory opened, to notice it vanish
	db     *pebble.DB // written only through ix; read under dbMu
	ix     *ixWriter
	table  *evict.Compact
	hash   func(key string) uint64 // evict.Hash; tests inject collisions
	// pending: reads sampled for verification and handed to another
	// path (KeepSample).
	pending verifyPending
	log     *slog.Logger
	m       *metrics
	free    func() (int64, error)
	margin  int64 // kept free when CapacityBytes is 0 (auto)

	// space counts what writers in progress were promised; the bytes of
	// committed data files (block-rounded) are the eviction table's, and,
	// while it is reconciled, pending ones (load.go).
	space struct {
		sync.Mutex
		reserved int64
		pending  int64
	}
	freeBytes atomic.Int64 // last free space read by the health check
	// recMu serializes read-modify-write of index records (commit, pin,
	// meta updates, eviction), so none overwrites or double-counts
	// another's change. It is held across index reads and NoSync writes
	// (no fsync), never across data-file I/O.
	recMu sync.Mutex
	// recon is the reconciliation in progress at start-up (load.go):
	// entries of hashes up to upTo are the index's.
	recon struct {
		active, any bool
		upTo        uint64
	} // protected by recMu
	admit      atomic.Bool   // the table can evict: restored, or loaded
	loaded     atomic.Bool   // the table holds exactly the index's slices
	loadDone   chan struct{} // closed when loading ended, loaded or not
	committing sync.Map      // data file -> struct{}: being written, not yet indexed
	recs       *recCache
	fds        *fdCache
	// cacheBytes is the block cache's capacity, tablesAtOpen the index
	// tables' size when it opened (warm.go); warmed is set once the records
	// were read into the cache, or that was not to be done.
	cacheBytes, tablesAtOpen int64
	warmed                   atomic.Bool
	swept                    atomic.Bool // the orphan sweep after start-up ended (sweep.go)
	health                   health
	// probeFailures counts failed health probes in a row; only the
	// health loop touches it.
	probeFailures int

	// dbMu keeps the index open while it is read: readers hold it
	// shared, closing takes it to set dbClosed.
	dbMu     sync.RWMutex
	dbClosed bool // guarded by dbMu

	failOnce sync.Once
	failure  atomic.Pointer[string] // why it failed
	dead     chan struct{}          // closed when it failed
	onFail   func()                 // tells the set; must not block
	// leftAt is the set's purge mark when the disk failed (purgelog.go);
	// purgeMark reads it.
	leftAt    atomic.Uint64
	purgeMark func() uint64

	stop     chan struct{}
	wg       sync.WaitGroup
	once     sync.Once
	closeErr error
}

// diskDeps are what the set gives each disk it opens.
type diskDeps struct {
	DiskDeps
	log       *slog.Logger
	m         *metrics
	onFail    func()
	purgeMark func() uint64 // the set's purge log mark; nil: none
}

// openDisk opens (or creates) the store of one disk. It deletes
// half-written temp files, opens the index and returns at once: the
// in-memory eviction table is loaded in the background (load.go;
// lookups go to the index directly until then), so a restarted node
// serves its first hit without waiting for a scan. Segment data is never
// scanned.
func openDisk(cfg Config, name string, deps diskDeps) (*disk, error) {
	s := &disk{name: name, path: cfg.Dir, cfg: cfg, fs: deps.FS, log: deps.log.With("disk", name), m: deps.m, free: deps.FreeBytes, onFail: deps.onFail, purgeMark: deps.purgeMark,
		hash: cfg.test.keyHash, recs: newRecCache(cfg.RecordCacheBytes), fds: newFDCache(cfg.OpenFiles), dead: make(chan struct{}), stop: make(chan struct{}), loadDone: make(chan struct{})}
	if s.hash == nil {
		s.hash = evict.Hash
	}
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
	root, err := statRoot(cfg.Dir)
	if err != nil {
		return nil, fmt.Errorf("disktier: %w", err)
	}
	s.root = root
	if err := s.size(); err != nil {
		return nil, err
	}
	if s.table, err = evict.NewCompact(evict.CompactConfig{CapacityBytes: max(int64(s.weight), evict.BlockBytes), ExpectedEntries: s.savedEntries()}); err != nil {
		return nil, fmt.Errorf("disktier: %w", err)
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

// openIndex opens the disk's Pebble with a logger and event listener of
// its own, so that what Pebble finds fatal fails this disk only.
func (s *disk) openIndex(fs vfs.FS) error {
	opts := indexOptions()
	opts.Logger, opts.EventListener = pebbleLogger{l: s.log, fail: s.fail}, s.eventListener()
	if fs != nil {
		opts.FS = fs
	}
	dir := filepath.Join(s.cfg.Dir, "index")
	if fs == nil {
		fs = vfs.Default
	}
	s.tablesAtOpen = tableBytes(fs, dir)
	s.cacheBytes = blockCacheBytes(s.cfg.IndexCacheBytes, s.cfg.IndexCacheMaxBytes)
	if n := s.cacheBytes; n > 0 {
		c := pebble.NewCache(n)
		defer c.Unref() // the database holds its own reference
		opts.Cache = c
	}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return fmt.Errorf("disktier: opening index: %w", err)
	}
	if r := s.failed(); r != "" { // a Fatalf while opening
		return fmt.Errorf("disktier: opening index: %s", r)
	}
	s.db = db
	s.ix = newIxWriter(db, s.dead, s.fail)
	return nil
}

// indexOptions are the Pebble options every disk index (and BulkLoad)
// is written with:
//   - bloom filters of 10 bits a key on every level, so a lookup reads
//     blocks of the one table holding its key rather than of one table
//     per level (at 20 million slices a lookup's p99 was 9× its p99 at
//     100k without them; see Scale in the package doc);
//   - tables of up to 32 MiB below L0 (Pebble's default starts at 2 MiB
//     for the base level): a 20 M-slice index compacted into L6 was
//     2,216 tables of 2.5 MiB, more than Pebble keeps open (1,000), so
//     half the lookups reopened a table and read its index again
//     (2 block cache misses a lookup, 1 with every table open).
func indexOptions() *pebble.Options {
	o := &pebble.Options{}
	o.Levels[0].FilterPolicy = bloom.FilterPolicy(10) // the levels below inherit it
	for i := 1; i < len(o.TargetFileSizes); i++ {
		o.TargetFileSizes[i] = indexTableBytes
	}
	return o
}

// indexTableBytes is the target size of an index table below L0.
const indexTableBytes = 32 << 20

func (s *disk) start() {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.load()
		close(s.loadDone)
		s.sweep()
		s.warm() // last: the load's and the sweep's scans would evict what it read
		s.swept.Store(true)
	}()
	s.goLoop(s.cfg.StatsEvery, s.saveState)
	s.goLoop(healthEvery, s.checkHealth)
	if s.cfg.ScrubBytesPerSec > 0 {
		s.wg.Add(1)
		go s.scrub()
	}
}

// Loaded reports whether the eviction table has been loaded from the
// index; until then the disk admits no new objects.
func (s *disk) Loaded() bool { return s.loaded.Load() }

// Close stops the background work, saves the eviction state (unless the
// disk failed) and closes the index. It is safe to call more than once.
// A failed disk may hang in the kernel or in Pebble: Close gives up
// after closeWait, leaving the goroutine that waits for it behind.
func (s *disk) Close() error {
	s.once.Do(func() {
		done := make(chan error, 1)
		go func() { done <- s.closeNow() }()
		select {
		case s.closeErr = <-done:
		case <-time.After(closeWait):
			s.closeErr = fmt.Errorf("disktier: disk %s did not close within %v; left behind", s.name, closeWait)
			s.log.Error("disk did not close in time; its index and files stay open", "after", closeWait)
		}
	})
	return s.closeErr
}

// closeWait bounds how long closing a disk may take.
const closeWait = 10 * time.Second

func (s *disk) closeNow() error {
	close(s.stop)
	s.wg.Wait()
	if s.failed() == "" {
		s.saveState()
	}
	s.ix.close()
	s.dbMu.Lock()
	s.dbClosed = true
	s.dbMu.Unlock()
	defer s.fds.closeAll()
	if s.ix.wedged() { // Close would wait for the commit lock forever
		return fmt.Errorf("disktier: disk %s: index left open after a Pebble panic", s.name)
	}
	return s.db.Close()
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
