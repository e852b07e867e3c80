// Package disktier is the edge's disk tier: a set of disks, each storing
// slices of objects one file each under data/, indexed by a Pebble
// database under index/.
//
// Disks (set.go, disks.go): Config.Disks lists the drives (Dir and
// CapacityBytes are the one-disk shorthand). Each is an independent
// store with its own index, data files, space accounting, eviction
// table, record cache, open files, scrubber and health, so disks share
// no lock; the two memory budgets are split evenly among them. A disk
// without a capacity takes what it holds plus what its filesystem has
// free, less max(1 GiB, 5 %) (autoMargin). A disk is named after the
// last element of its path in metrics (label disk), logs and the admin
// API.
//
// Placement (spread.go): an object's slices all live on one disk, its
// owner, chosen by capacity-weighted rendezvous hashing of the object
// key over the disks in service (internal/placement), so a lookup probes
// one index, and a disk joining or leaving moves only its share. The
// placement is an immutable snapshot swapped whole, read with one atomic
// load on the hit path. While the owner is degraded, new slices go to
// the next disk by rank, where they are also looked for. The fill agent
// stores through Create, so it places files by the same rule.
//
// Failure (failure.go, watch.go): a disk fails on FailErrors I/O errors
// within ErrorWindow, at once on an error no retry cures (read-only
// filesystem, permission denied), when its directory vanishes or is
// replaced (probe.go), and when its Pebble reports corruption or a fatal
// error (Pebble's Fatalf is turned into the disk's failure, never an
// exit). A failed disk finds nothing and admits nothing; the set's
// watcher takes it out of the placement, so its objects are misses,
// refetched and stored on the other disks, and closes it. Data files are
// never removed by failing or closing, and names are never reused, so a
// response already reading one ends with its true bytes or an I/O error
// (the edge cuts it), never another object's. Open fails only when no
// disk opens; a disk that does not is left failed.
//
// Offline and online (operate.go, join.go, purgelog.go): Offline takes a
// disk out of the placement and closes it (not the last one in service);
// Online opens a disk out of service again, the drive it was or an
// empty replacement, without a restart. Every purge (Delete, PurgePrefix,
// DeleteObjectIf) is logged before it is applied; a disk leaving notes
// the first purge it may miss, and coming back replays the purges since,
// or is emptied when the log (the last 10,000, in memory) no longer
// reaches back. The last of the replay and the entry into the placement
// happen while no purge runs, so a purge that returned never leaves a
// copy on the returning disk. The log does not survive a restart: a disk
// away across one serves what it held. Unpins are not logged: a slice
// unpinned while its disk was away is still pinned there.
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
// MinFreeBytes, make a disk degraded: it stops admitting and keeps
// serving what it can read, and recovers by itself.
//
// Eviction: cache/evict's sampled table with LFU-DA by default; pinned
// slices are never chosen.
//
// Imports: cache/evict, internal/cachekey (slice keys), internal/placement
// (which disk holds an object); Pebble, x/time/rate, client_golang.
package disktier
