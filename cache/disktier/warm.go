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
// So a disk's block cache is sized at open to hold its whole index: the
// size of its tables on disk and a quarter more, where the records
// decompressed take less than the tables (4.7 of 5.5 GiB at 20 M). Once
// the index is loaded, one pass reads every record through it (warm),
// after which a lookup reads no block from outside the process.
// Config.IndexCacheBytes is the floor, IndexCacheMaxBytes the cap: a
// disk whose index outgrows the cap is not warmed (the pass would evict
// what lookups use); one that grows after it opened keeps the cache it
// was given until its next start.
//
// Why so much memory is right for an appliance: the cache costs what
// the index holds and a quarter, about 350 bytes a slice (6.9 GiB at
// 20 M slices on a node, whatever the number of disks; the measuring
// process peaked at 9.5 GB), where an Open Connect storage appliance
// holding 20 M+ objects has 96–256 GB of RAM: 3–7 % of it, beside the
// tens of GB its RAM tier holds. The Go heap stays at 43 bytes a slice
// in a cgo build, where Pebble allocates its cache with malloc; built
// without cgo, the cache is in the Go heap and a memory limit must
// allow for it.

// blockCacheBytes is the block cache of a disk whose index tables take
// tables bytes: that and a quarter more (the cache is sharded, and the
// load's and the sweep's scans pass through it) within [floor, ceiling]
// (floor ≤ 0: Pebble's default, 0).
func blockCacheBytes(tables, floor, ceiling int64) int64 {
	if floor <= 0 {
		return 0
	}
	return max(floor, min(tables+tables/4, ceiling))
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
	if s.cacheBytes <= 0 || s.cacheBytes < s.tablesAtOpen+s.tablesAtOpen/4 || s.tablesAtOpen == 0 {
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
// records into its block cache (or had nothing to do).
func (s *Store) Warmed() bool {
	for _, d := range s.inService() {
		if !d.warmed.Load() {
			return false
		}
	}
	return true
}

// Swept reports whether every disk in service has ended its start-up
// work: loaded, warmed, and the orphan sweep that follows (minutes at
// 20 M slices, competing with lookups for the CPU meanwhile).
func (s *Store) Swept() bool {
	for _, d := range s.inService() {
		if !d.swept.Load() {
			return false
		}
	}
	return true
}
