package disktier

import (
	"path/filepath"
	"strings"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// Records resident: a lookup that misses Pebble's block cache reads a
// block from the page cache (or the drive) and decodes it, and at 20
// million slices a uniformly random lookup always did (its late p99
// 32× that at 100k, whose index fits the cache; see Scale in doc.go).
// So a disk's block cache may hold its whole index: once the index is
// loaded and swept, one pass reads every record through it (warm),
// after which a lookup reads no block from outside the process.
//
// Sizing: the cache's capacity is Config.IndexCacheMaxBytes (at least
// IndexCacheBytes), a bound, not an allocation: Pebble allocates a
// block when it reads one, so the cache takes what the index holds
// decompressed, up to the cap, and grows with the disk without a
// restart. The pass runs if the tables on disk and a quarter fit the
// cap (what it reads, the records, take less decompressed than the
// whole index's tables: 4.7 of 5.5 GiB at 20 M, as the CRCs of real
// data do not compress); a disk whose index outgrows it is not warmed
// (the pass would evict what lookups use). The capacity used to be that
// figure, set at open: it held a 20 M index, but not the bench's 2 M
// one, whose sparse files' zero CRCs compress 2.5× (44 % of its lookups
// after warming still missed the cache), nor a disk grown since its
// start. (Counting the whole index's raw key and value bytes instead,
// from the table properties, kept the 20 M index out: 7.8 GB with the
// hash and file keys, which the pass does not read.)
//
// Why so much memory is right for an appliance: the cache costs what
// the index holds decompressed, about 300 bytes a slice (6–7 GiB at
// 20 M slices on a node, whatever the number of disks; the measuring
// process peaked at 9.5 GB), where an Open Connect storage appliance
// holding 20 M+ objects has 96–256 GB of RAM: 3–7 % of it, beside the
// tens of GB its RAM tier holds. The Go heap stays at 43 bytes a slice
// in a cgo build, where Pebble allocates its cache with malloc; built
// without cgo, the cache is in the Go heap and a memory limit must
// allow for it.

// blockCacheBytes is a disk's block cache capacity: the cap, at least
// the floor (floor ≤ 0: Pebble's default, 0).
func blockCacheBytes(floor, ceiling int64) int64 {
	if floor <= 0 {
		return 0
	}
	return max(floor, ceiling)
}

// tableBytes is the size of the Pebble tables in dir (0 if it cannot be
// listed: a new disk).
func tableBytes(fs vfs.FS, dir string) int64 {
	names, err := fs.List(dir)
	if err != nil {
		return 0
	}
	var n int64
	for _, name := range names {
		if !strings.HasSuffix(name, ".sst") {
			continue
		}
		if fi, err := fs.Stat(filepath.Join(dir, name)); err == nil {
			n += fi.Size()
		}
	}
	return n
}

// warmPage is how many records one step of warm reads under the read
// lock, so that Close waits for one step at most.
const warmPage = 1 << 16

// warm reads every record once through the block cache, if the cache was
// sized to hold the index, then marks the disk warmed.
func (s *disk) warm() {
	defer s.warmed.Store(true)
	if s.cacheBytes <= 0 || s.tablesAtOpen == 0 {
		return
	}
	if s.cacheBytes < s.tablesAtOpen+s.tablesAtOpen/4 {
		s.log.Info("index not read into the block cache: it would not fit", "tables", s.tablesAtOpen, "cache", s.cacheBytes)
		return
	}
	start, n := time.Now(), 0
	lo := recKey("")
	for lo != nil && !s.stopped() {
		var k int
		lo, k = s.warmStep(lo)
		n += k
	}
	s.log.Info("index records read into the block cache", "records", n, "took", time.Since(start).Round(time.Millisecond))
}

// warmStep reads up to warmPage records from lo on, and returns the key
// to go on from (nil at the end or on an error) and how many it read.
func (s *disk) warmStep(lo []byte) ([]byte, int) {
	if !s.readLock() {
		return nil, 0
	}
	defer s.dbMu.RUnlock()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(recPrefix)})
	if err != nil {
		return nil, 0
	}
	defer it.Close()
	n := 0
	for it.First(); it.Valid() && n < warmPage; it.Next() {
		if _, err := it.ValueAndErr(); err != nil {
			return nil, n
		}
		n++
	}
	if !it.Valid() {
		return nil, n
	}
	return append([]byte(nil), it.Key()...), n
}

// Warmed reports whether every disk in service has finished reading its
// records into its block cache (or had nothing to do); it is set after
// the sweep.
func (s *Store) Warmed() bool {
	for _, d := range s.inService() {
		if !d.warmed.Load() {
			return false
		}
	}
	return true
}

// Swept reports whether every disk in service has ended its start-up
// work: loaded, the orphan sweep (minutes at 20 M slices, competing
// with lookups for the CPU meanwhile) and, last, warmed (so that the
// load's and the sweep's scans do not evict what the warming read).
func (s *Store) Swept() bool {
	for _, d := range s.inService() {
		if !d.swept.Load() {
			return false
		}
	}
	return true
}
