// Package disktier is the edge's disk tier: slices of objects stored one
// file each under data/, indexed by a Pebble database under index/.
//
// The index maps a slice key to a Record: its data file, extent, the
// origin's metadata, a CRC-32C per chunk (64 KiB by default), stored-at,
// the pinned flag and Meta, the edge's HTTP state of the object (response
// fields and times, opaque here; UpdateMeta rewrites it after a 304).
// Beside each record, in the same batch, are two small keys (entry.go):
// one from the slice key's 64-bit hash, with the slice's size and pin,
// through which eviction finds a victim's keys and start-up loads the
// eviction table, and one from the data file's name, through which the
// orphan sweep checks a directory. Segment bytes never go through Pebble: a data file can be handed to sendfile(2), and the
// measurements in layout_bench_test.go (summarized in cache/doc.go) show
// Pebble values writing 2.5–5× slower than files.
//
// Visibility: Create writes a temp file under tmp/ while computing
// checksums; Commit renames it to its final name and then commits the
// index record. Only a committed record is visible. At start-up tmp/ is
// emptied and, once the index is loaded, data files that no record names
// are removed (a crash between rename and index commit): the sweep walks
// data/ a directory at a time and checks its files against the index's
// file keys under that directory, so it holds one directory's names (a
// few hundred at 20 million slices), never a set of every file. A record
// whose file vanished is dropped when read.
//
// Integrity: ChunkReader returns a chunk's bytes only after its checksum
// matched. The edge reads through it an object's first read after
// start-up and a sampled fraction of later reads (otherwise the file is
// sent with sendfile); a background scrubber verifies everything at a
// bounded rate. A mismatch evicts the slice and counts it.
//
// Durability: data files are not fsynced; index records are synced
// before Commit returns (records are written under the record lock with
// NoSync, then one WAL sync outside it, which concurrent commits share).
// Without that sync Pebble keeps small writes in its own buffer and a
// kill -9 lost every object committed in the last seconds (measured: all
// 20 of 20 committed 1.5 s before the kill). A killed process therefore
// loses nothing it committed; after a power loss, half-flushed data files
// are caught by verification on first read. A commit costs about 0.6 ms
// here (BenchmarkCommit: 16 KiB objects, 1.6k/s with one writer, 1.8k/s
// with eight).
//
// Start-up: Open returns once Pebble is open, and lookups go to the index
// directly until the disk is loaded, so a restarted node serves hits at
// once. In the background (load.go): the eviction state saved at the last
// Close (or periodically, StatsEvery) is streamed back into the table in
// its queue order, and from then on the disk admits new objects; then
// the table is reconciled with the index's hash keys, in hash order, a
// page at a time under the record lock: a slice the saved state missed
// is added, a restored entry takes the index's size and pin, and entries
// no slice has are swept out (one mark bit an entry). A commit whose hash
// is yet to be marked leaves the table to the mark and counts its bytes
// as pending meanwhile. Until it ends, a lookup the table cannot answer
// goes to the index; a saved state older than the index (a crash: it is
// saved every StatsEvery) undercounts the slices committed since, until
// they are marked. Without a saved state nothing is admitted until the
// end. Data files are never listed or read for it. Measured
// with TestDiskScale at 1 million slices on the 2-core machine (three
// runs, load average 5–8 from other jobs): first hit 14–37 ms after Open,
// admitting 0.2 s after (one run), loaded 0.5–1.4 s after (0.5–2.1 s
// with no saved state); a Lookup of a random slice then takes 9–10 µs
// (p99 28–41 µs; 3.7 and 12.6 µs at 100,000 slices, whose records mostly
// fit Pebble's cache). An
// index written before the hash and file keys existed gets them first,
// by a scan of its records: once, and again if a version from before
// ran on it since (it leaves access statistics behind). Slices such a
// version wrote and never closed on (a kill within minutes) lack keys:
// the sweep takes their files for orphans and they are fetched again.
//
// Record cache: decoded records of recently hit slices are kept in
// memory (RecordCacheBytes, 16 MiB by default), so a disk hit costs no
// Pebble lookup or decode. Every index write invalidates its key after
// writing; a reader caches what it read only if no invalidation happened
// between its read and its put (reccache.go), so the cache never holds a
// record older than the index.
//
// Open files: small reads (ReadAt, the edge's path for responses of at
// most 64 KiB) go through data files kept open (OpenFiles, 4096 by
// default) and read with pread, saving an open and a close per hit.
// File names are never reused, so an open file always holds its record's
// bytes; a removed file is closed once its last reader is done, and a
// file removed while a reader was opening it is never cached
// (fdcache.go). Larger responses open their own file for sendfile, which
// moves the file offset and so cannot share a descriptor.
//
// Health: MaxErrors I/O errors within ErrorWindow, or free space below
// MinFreeBytes, make the tier degraded: it stops admitting and keeps
// serving what it can read, and recovers by itself.
//
// Eviction: each disk has a cache/evict.Compact table, S3-FIFO over
// 64-bit key hashes (evict.Hash), 43–52 bytes of memory a slice (the
// disk's whole Go heap: 47.0 bytes a slice at 1 million, TestDiskScale),
// where the table of key strings with sampled LFU-DA it replaced took
// 104 bytes before the keys' own; S3-FIFO also serves more of the bytes
// at every cache size on the simulator's trace (cache/evict). It is the
// only policy: LFU-DA is kept in cache/evict only as the simulator's
// model of the former tier. A victim is a hash; the disk evicts every
// slice its hash keys name (two on a collision, about one in 100,000 at
// 20 million slices) unless the index says one is pinned, which then
// pins the entry. Pinned slices are never evicted. Deletes and pins
// change index and table together under the record lock; a commit joins
// the table once its record is durable. Used bytes and slice counts are
// the table's (a shared hash counts once). Whether a slice was verified
// since start-up is a bit of its entry (never set for a shared hash). The
// table's hit counter (0–3) is Hits: the edge promotes a disk hit to RAM
// when it reaches 2.
//
// Imports: cache/evict, internal/cachekey (slice keys), internal/placement
// (which disk holds an object); Pebble, x/time/rate, client_golang.
package disktier
