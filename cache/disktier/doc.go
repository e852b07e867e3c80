// Package disktier is the edge's disk tier: slices of objects stored one
// file each under data/, indexed by a Pebble database under index/.
//
// The index maps a slice key to a Record: its data file, extent, the
// origin's metadata, a CRC-32C per chunk (64 KiB by default), stored-at,
// the pinned flag and Meta, the edge's HTTP state of the object (response
// fields and times, opaque here; UpdateMeta rewrites it after a 304); access statistics sit beside it under their own
// key prefix and are saved periodically and at Close. Segment bytes never
// go through Pebble: a data file can be handed to sendfile(2), and the
// measurements in layout_bench_test.go (summarized in cache/doc.go) show
// Pebble values writing 2.5–5× slower than files.
//
// Visibility: Create writes a temp file under tmp/ while computing
// checksums; Commit renames it to its final name and then commits the
// index record. Only a committed record is visible. At start-up tmp/ is
// emptied and, once the index is loaded, data files that no record names
// are removed (a crash between rename and index commit). A record whose
// file vanished is dropped when read.
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
// Start-up: Open returns once Pebble is open; the eviction table is
// filled from index records in the background (never from segment data),
// and lookups go to the index directly until then, so a restarted node
// serves hits at once. New objects are admitted only once loaded.
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
// Eviction: cache/evict's sampled table with LFU-DA by default; pinned
// slices are never chosen.
//
// Imports: cache/evict, internal/cachekey (slice keys), internal/placement
// (which disk holds an object); Pebble, x/time/rate, client_golang.
package disktier
