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
// Writes: a data file is written in whole numbers of WriteBatch (1 MiB),
// but for the write that holds its last bytes, whatever sizes its bytes
// are offered in (fill copies 32 KiB at a time). ext4 (Linux 6.16 on)
// caches a file's pages in folios no larger than the writes that made
// them, and sendfile's cost follows the folio count: nginx sent 2 MiB
// files written in 1 or 2 MiB writes for 4-8 % less CPU than the same
// files written 32 KiB at a time. The price is a pooled 1 MiB buffer
// held by a writer offered small pieces until its last bytes are
// written; the edge's write-through offers whole batches and needs none.
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
// Block cache (warm.go): each disk's Pebble block cache may grow to
// IndexCacheMaxBytes (at least IndexCacheBytes) and takes what it read,
// so it follows the disk's index as it grows; once the index is loaded
// and swept, every record is read through it once if the tables and a
// quarter fit the cap, so a lookup reads no block from outside the
// process (see Scale for why and what it costs).
//
// Record cache: decoded records of recently hit slices are kept in
// memory (RecordCacheBytes, 16 MiB by default), so a disk hit costs no
// Pebble lookup or decode. A record enters it at its slice's second
// counted hit (the eviction table's counter, read by the same probe),
// so slices looked up once, most lookups of a large disk under a
// skewed load, do not push out the records of the hot ones. Every index write invalidates its key after
// writing; a reader caches what it read only if no invalidation happened
// between its read and its put (reccache.go), so the cache never holds a
// record older than the index.
//
// Open files: data files are kept open (OpenFiles, 4096 by default)
// for small reads (ReadAt, with pread: the edge's path for responses of
// at most 32 KiB) and for sending (Hold, held.go: the edge sends larger
// disk hits with sendfile(2) at an explicit offset), saving an open, a
// seek and a close per hit. Neither pread nor sendfile with an offset
// moves the file position, so concurrent readers share a descriptor.
// A file's length is checked when it is opened, and again by Hold
// (an fstat) at a hit once the last check is older than SizeCheck (1 s):
// a file found cut is evicted before a header goes out; one cut since
// the last check makes the send end short, which cuts the response and
// evicts the slice. The fstat on every hit was 6 % of a 16 KiB disk
// hit's CPU, to guard against a cut that only an operator or a damaged
// filesystem makes (nginx's open_file_cache_valid trusts for 60 s). File
// names are never reused, so an open file always holds its record's
// bytes; a removed file is closed once its last reader is done, and a
// file removed while a reader was opening it is never cached
// (fdcache.go).
//
// Health: MaxErrors I/O errors within ErrorWindow, or free space below
// MinFreeBytes, make a disk degraded: it stops admitting and keeps
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
// Scale: vodedge bench scale (make bench-scale) populates one disk with
// BulkLoad (bulk.go) — a whole index entry per object, for 2 MiB slices
// (32 CRCs each), and a sparse data file (an inode, no data blocks) for
// at most 2 M of them; the rest are index-only, which a lookup cannot
// tell (it reads the index, never the file), so 20 M objects fit a root
// filesystem of 16 M inodes — and opens the tier on it in a fresh
// process, as a restarted node with no saved eviction state. Lookups are
// of stored keys: uniformly random ("lookup" right after the load,
// while the tier warms its cache and sweeps; "late" once it swept,
// after the writes) and, last, Zipf(1) ("zipf": the hot keys scattered
// over the key space, as popular titles are). Measured on the 2-core
// machine with the Compact table: first at f5e05a0 (Pebble with its
// defaults, the bulk load's tables left as written), then with bloom
// filters, a 64 MiB block cache and the bulk load compacted into the
// shape a node that ran for a while has (no other job running); then on
// 2026-12-06 with 'vodedge bench scale --objects 100k,20m' while other
// engineers' builds and tests kept the load average at 4–10 on the 2
// cores (each row pair is one run, its two sizes measured minutes
// apart: compare within a pair): 2.5 MiB tables as before, 32 MiB
// tables (indexOptions), and 32 MiB tables with the records resident
// (warm.go) or, for comparison, not (IndexCacheMaxBytes 0), the late
// pass now after the sweep; the last two measured disks the 32 MiB run
// populated (--reuse).
//
//	objects  files  index     first hit  ready   RSS/object  heap/object  peak RSS  lookup p50 / p99  late p50 / p99  zipf p50 / p99  per victim
//	Pebble defaults:
//	100k     100k   16 MiB    0.02 s     0.06 s  114 B       48 B         151 MiB   7.2 / 34 µs       7.2 / 16 µs     -               0.26 ms
//	2 M      2 M    303 MiB   0.05 s     6.7 s   70 B        50 B         325 MiB   13.7 / 122 µs     10.8 / 47 µs    -               0.71 ms
//	20 M     2 M    5.5 GiB   0.19 s     19 s    59 B        44 B         1.7 GB    32 / 1502 µs      31 / 151 µs     -               0.74 ms
//	bloom filters, 64 MiB block cache, compacted (quiet machine):
//	100k     100k   16 MiB    0.02 s     0.07 s  126 B       49 B         157 MiB   5.2 / 28 µs       5.9 / 15 µs     -               0.32 ms
//	2 M      2 M    303 MiB   0.03 s     1.3 s   112 B       50 B         434 MiB   13.7 / 104 µs     12.4 / 44 µs    -               0.81 ms
//	20 M     2 M    5.5 GiB   0.11 s     20 s    64 B        43 B         2.0 GB    41 / 299 µs       33 / 202 µs     -               0.58 ms
//	the same, busy machine (2,216 tables of 2.5 MiB at 20 M):
//	100k     100k   16 MiB    0.05 s     0.12 s  115 B       50 B         162 MiB   4.6 / 30 µs       4.9 / 11 µs     -               1.3 ms
//	20 M     2 M    5.5 GiB   0.19 s     10.9 s  50 B        43 B         1.8 GB    32 / 993 µs       35 / 901 µs     -               13 ms
//	32 MiB tables (196 at 20 M), busy machine:
//	100k     100k   16 MiB    0.07 s     0.20 s  120 B       49 B         169 MiB   5.2 / 127 µs      5.5 / 31 µs     0.3 / 9.9 µs    0.95 ms
//	20 M     2 M    5.4 GiB   0.04 s     10.9 s  51 B        43 B         1.8 GB    16.6 / 495 µs     17.8 / 490 µs   13.0 / 287 µs   0.54 ms
//	the same, records not resident, late pass after the sweep (52 s at 20 M):
//	100k     100k   19 MiB    0.55 s     0.67 s  164 B       47 B         163 MiB   6.0 / 92 µs       6.3 / 14 µs     0.4 / 10.7 µs   -
//	20 M     2 M    5.4 GiB   0.19 s     21 s    49 B        43 B         1.8 GB    26 / 1342 µs      24.5 / 458 µs   16.4 / 201 µs   -
//	records resident (the default), late pass after the sweep (53 s; warmed at 31 s):
//	100k     100k   19 MiB    0.03 s     0.14 s  124 B       47 B         166 MiB   5.0 / 122 µs      4.7 / 12 µs     0.3 / 7.1 µs    -
//	20 M     2 M    5.4 GiB   0.04 s     13.6 s  107 B       43 B         9.5 GB    17.0 / 722 µs     14.0 / 74 µs    11.2 / 62 µs    -
//
// (A reused disk's eviction figures mean nothing: its writes exist
// already. RSS/object is taken once loaded, before the warming ends.)
//
// Where a 20 M lookup's time went (Pebble Gets of uniformly random keys
// on that index, profiled, no tier around them): the index was 2,216
// tables, more than Pebble keeps open (1,000), so about half the Gets
// reopened a table and read its index blocks again: 2 block cache
// misses a Get, 1 with every table open, p50 25 → 16 µs and p90 60 →
// 26 µs. Hence the 32 MiB tables (an index written before keeps its
// small tables until compactions rewrite them). The one miss left was
// the data block holding the record: 5.5 GiB of them could not sit in a
// 64 MiB cache, so a uniformly random lookup read one block from the
// page cache (the pread 19 % of the CPU profile, Pebble's cache insert
// and eviction with their cgo allocations about 25 %, decompression
// under 1 %). Hence the resident records (warm.go): with every block
// in the cache the same Gets took p50 8–9 µs and p99 22–38 µs at 20 M
// against 4.5–5.7 and 35–42 µs at 100k, within 2× of each other. Not
// the cause: GC (the heap is 0.9 GB, nearly all the long-lived table,
// and a lookup allocates a few hundred bytes: a collection every few
// million lookups, by estimate), a second key probe (a lookup is one
// table probe, one record cache probe, one Get). The start-up work is:
// lookups while the tier warms its cache and sweeps orphans (40 s at
// 20 M, the first pass above) had a p99 of 0.7–1.3 ms.
//
// What holds: the disk's Go heap is 43–50 bytes an object at every count
// (the bound is 64); the first hit is under 0.2 s at 20 M (Open returns
// once Pebble is open); readiness needs no data file listed (the sweep
// goes a directory at a time, after); eviction costs the same per
// victim at every count (a synced index delete and an unlink). What
// costs: resident records take Pebble's cache to what the index holds
// decompressed (about 7 GiB at 20 M; peak RSS 9.5 GB against 1.8 GB), outside
// the Go heap with cgo (built without cgo, Pebble allocates its cache
// in the Go heap, and a memory limit must allow for it). What does not
// hold: a lookup's p99 at 20 M within 2× of its p99 at 100k. With the
// records resident and the sweep done it is 6× for uniform keys (74 /
// 12 µs; 32× not resident) and 9× for Zipf ones (62 / 7.1 µs; 19× not
// resident); p50 3× (uniform) and 37× (Zipf): at 100k the hot records are in the record
// cache (16 MiB of decoded records, a lookup without Pebble), at 20 M a
// lookup is a Get through the block cache and a decode; and the p99 of
// a run on 2 cores shared with other jobs is their scheduling as much
// as ours (the 100k p99 of the first pass ranged 30–127 µs today). The
// target is not met; a quiet machine would tell whether the Get-level
// 2× carries over to the tier.
//
// Paired lookups (scalepair.go in bench): since p99s taken in separate
// processes minutes apart measure the other jobs' load as much as the
// tier, every size after the first now also opens the first size's disk
// once measured, and times lookups of both in turn, 1000 at a time:
// the same noise falls on both. Changes measured with it: a record
// decodes with 3 allocations instead of 12 (BenchmarkDecodeRecord);
// the block cache's capacity is the cap rather than the tables and a
// quarter (the bench's 2 M index, whose zero CRCs compress 2.5×, missed
// the cache on 55 % of lookups after warming, 44 % with the warming
// after the sweep; 1 miss in 200,000 at 100k; warm.go); the warming
// runs after the sweep.
// 'vodedge bench scale --objects 100k,2m,20m --reuse' on 2026-12-06,
// load average 15–18 from other jobs (disks the previous runs kept, so
// eviction figures mean nothing; restart figures from a page cache the
// other jobs share):
//
//	objects  index     first hit  ready   warmed  RSS/object  heap/object  peak RSS  late p50 / p99  zipf p50 / p99
//	100k     15 MiB    0.05 s     0.44 s  10 s    147 B       48 B         156 MiB   6.3 / 30 µs     0.5 / 11 µs
//	2 M      304 MiB   0.10 s     2.5 s   21 s    119 B       50 B         1.2 GB    9.7 / 43 µs     1.2 / 31 µs
//	20 M     5.5 GiB   0.19 s     43 s    112 s   104 B       43 B         9.6 GB    11.4 / 50 µs    9.7 / 42 µs
//
//	paired with 100k   uniform p50  p99 (100k's)      ratio  zipf p50     p99 (100k's)     ratio
//	2 M                10.9 µs      65 µs (34 µs)     1.9×   1.3 µs       40 µs (12 µs)    3.4×
//	20 M               11.3 µs      49 µs (12.9 µs)   3.8×   9.6 µs       30 µs (9.1 µs)   3.3×
//	20 M, before       11.1 µs      49 µs (14.3 µs)   3.4×   10.3 µs      244 µs (41 µs)   6.0×
//
// ("before": --objects 100k,20m on the same disks minutes later, the
// tier as it was at e4a532d with the paired bench; the output of both
// is in bench/results/2core-loopback/scale-paired.txt. The 20 M ready
// time was 16–61 s across runs of either version, the index read back
// through a page cache other jobs share.) So the 20 M p99 is 3.3–3.8× the 100k p99
// measured beside it: the 2× target is not met, and these changes did
// not move the 20 M ratio beyond noise (the 20 M index was resident
// before too; they fix the 2 M one and a disk that grows). Why, from a
// CPU profile of 300,000 lookups at 20 M alternated with 100k ones (13
// block cache misses):
// a lookup is a Pebble Get through a cache of 7 GB (its hash table
// probes, block refcounts and index and data block searches are cache
// and TLB misses: 260 MiB of L3 holds the whole 100k index, a few
// hundredths of the 20 M one), an S3-FIFO table probe in 0.9 GB, and a
// record cache put that evicts another record; p50 10–11 µs against
// 5.7–5.8.
// Under load the p99 is set by how often a lookup is preempted, which
// grows with its length: in that run p90 was 12.5 against 7.6 µs
// (1.6×), p99 271 against 57 µs (load average 20): the longer lookup
// crosses into the preempted tail first.
//
// Then built: (1) the eviction table's large arrays on transparent
// huge pages (cache/evict huge.go: index and ghost slots, node slabs,
// advised MADV_HUGEPAGE, which this machine's THP setting "madvise"
// needs; always asked for: a kernel with THP "never" ignores it); (2) a record
// enters the record cache only at its slice's second counted hit
// (above). Measured with 'vodedge bench scale --objects 100k,20m
// --reuse' on 2026-12-06 18:27–18:33, one run each, load average 16
// falling to 4 (binaries of 31b8575 "before" and be2a22c "after"; the
// glibc rows with GLIBC_TUNABLES=glibc.malloc.hugetlb=1, which puts
// Pebble's C-malloc'd block cache on THP; "huge" is AnonHugePages):
//
//	paired 20 M / 100k       load  huge      uniform p50  p99 (100k's)       ratio  zipf p50  p99 (100k's)      ratio
//	before                   7.8   0         10.9 µs      36.3 µs (10.8)     3.36×  9.9 µs    37.1 µs (9.5)     3.91×
//	after                    16    536 MiB   9.6 µs       39.4 µs (11.9)     3.30×  1.3 µs    18.2 µs (8.5)     2.14×
//	after                    3.3   -         8.7 µs       39.9 µs (10.4)     3.83×  1.1 µs    14.0 µs (7.5)     1.86×
//	after, glibc hugetlb     4.6   1014 MiB  8.3 µs       15.5 µs (8.0)      1.94×  1.0 µs    11.4 µs (7.4)     1.55×
//	after, glibc hugetlb     4.1   -         8.9 µs       62.2 µs (28.7)     2.17×  1.2 µs    18.0 µs (8.0)     2.25×
//
// So: admission brings the Zipf p50 from 9.9 to 1.0–1.3 µs and the Zipf
// ratio to 1.6–2.3× (met in two runs of four, near in the others); the
// table's huge pages alone leave the uniform ratio where it was
// (3.3–3.8×: uniform keys at 20 M hit the block cache, not the table);
// with Pebble's cache on huge pages as well the uniform ratio was
// 1.9–2.2× in two runs, but only 1 GB of the process was on huge pages
// (the cache is 7 GB) and two runs on a shared machine are not proof.
// Then on a quiet machine (no other job: load average 1.1-1.6), the
// same command and disks, 2026-12-06 18:36-18:48, runs in turn (output
// in bench/results/2core-loopback/scale-paired-quiet.txt): the
// tier before this work (6feb995), after it, after it with glibc's
// huge-page malloc (GLIBC_TUNABLES set by hand), and the default as
// shipped, where the edge and the bench's node re-execute themselves
// with that tunable (cmd/vodedge hugemalloc.go; VODEDGE_NO_HUGE_MALLOC=1
// keeps glibc's default):
//
//	paired 20 M / 100k            runs  uniform p99 ratio         zipf p99 ratio            uniform p99 at 20 M
//	before                        2     2.71×, 2.30×              1.85×, 1.88×              27-30 µs
//	after, glibc default malloc   4     1.79×, 1.88×, 1.81×, 2.04×  1.68×, 1.65×, 1.76×, 1.64×  17-23 µs
//	after, glibc hugetlb by hand  3     1.82×, 1.67×, 1.69×       1.61×, 1.57×, 1.61×       16-17 µs
//	as shipped (re-exec)          2     1.81×, 1.68×              1.55×, 1.57×              14-17 µs
//
// So on a quiet machine the target holds with the default
// configuration: 20 M lookups' p99 is 1.7-1.8× the 100k p99 measured
// beside it, uniform and Zipf; without the huge-page malloc one run of
// four came out at 2.04×, hence the re-exec. The 3-4× of the loaded runs
// above was the other jobs' preemption falling on the longer lookup.
// Both the p50 (8.5-9 against 5 µs) and the p99 count from once the tier
// is warm: while it warms (the first 37-41 s after a restart at 20 M,
// reading every record into the block cache once) a lookup's p99 was
// 170-310 µs against 19 µs at 100k. AnonHugePages at 20 M was 924 MiB
// without the tunable (the eviction table) and 1036-1064 MiB with it: most
// of Pebble's cache still is not on huge pages, and finding out why is
// the next step for the p50. Ideas left: that; the CRCs out of the hot
// record (a format change: smaller blocks, fewer misses).
//
// Several disks: hot disk hits (RAM tier off) from four directories at
// once against one, same edge, same files, beside nginx serving them
// (make bench-disks; 5 rounds of 10 s, same machine and load): 2 MiB
// segments 1440 MiB/s on four, 1444 on one, nginx 1654; 16 KiB objects
// 30.6k requests/s on four, 29.8k on one, nginx 53.4k. Four directories
// serve as much as one (ratios of medians 1.00 and 1.03, of rounds 1.13
// and 1.09 at the median): no sign of a lock the disks share; on 2 busy
// cores the load is CPU-bound, so more was not to be had. Measured at
// 1ab636a with a --disk flag patched in locally (not committed: the
// flag is another branch's), as this branch's edge has none yet.
//
// Imports: cache/evict, internal/cachekey (slice keys), internal/placement
// (which disk holds an object); Pebble, x/time/rate, client_golang.
package disktier
