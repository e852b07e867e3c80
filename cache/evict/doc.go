// Package evict decides which disk-tier objects to drop when space is
// needed. It has two tables: Compact, keyed by 64-bit key hashes, built
// for tens of millions of objects, which each disk of the disk tier uses;
// and Table, keyed by key strings, which the disk tier used before and
// bench/hitsim still runs as its model of that former tier
// (vodedge-disk; its vodedge and vodedge-fill rows run Compact, as the
// edge does), as origin/fillplan's offload test does, so figures stay
// comparable with earlier ones.
//
// # Table
//
// Table keeps, for every stored object, the little an eviction policy
// needs (size, last access, hit count, pinned) in a sharded in-memory
// map of key strings, and picks victims by sampling: a handful of
// random unpinned entries, the one with the lowest priority goes.
// Sampling keeps every operation O(1) with no global list to lock on
// the hit path, as ristretto and Redis do; the quality loss against an
// exact ordering is measured in the simulation test against exact LRU.
//
// Policies are priority functions:
//
//	LRU     last access time
//	LFU-DA  hits + L, where L is the priority of the last victim, so old
//	        popularity ages out (Arlitt et al., 2000)
//	GDSF    hits/size + L: favours small objects, maximises object hit ratio
//
// LFU-DA was the disk tier's, chosen by the byte hit ratio measured on a
// Zipf workload (TestPolicyHitRatios; figures in cache/doc.go), because
// offload is counted in bytes. Pinned entries (held by a fill manifest)
// are never chosen.
//
// A Table entry is a map slot and a 40-byte struct behind a pointer,
// plus the key string: 104 bytes an object before the key's own bytes
// (measured at 1 million entries). Issue 15 bounds the disk tier at 64
// bytes an object outside Pebble at 20 million objects: hence Compact.
//
// # Compact: the choice of policy
//
// The hit-ratio simulator (bench/hitsim) replays `vodedge bench sim`'s
// default trace (794,046 requests over 3 days, 210,159 objects, a
// 419.7 GiB footprint, 4 MiB slices; the first day warms up). Byte hit
// ratio (object hit ratio) by cache size, as a share of the footprint,
// from `make bench-sim` (./bin/vodedge bench sim --out bench-results/sim):
//
//	policy            1 %            2 %            5 %            10 %           20 %           50 %
//	belady (bound)    0.293 (0.302)  0.376 (0.387)  0.511 (0.516)  0.622 (0.626)  0.735 (0.742)  0.808 (0.809)
//	s3fifo            0.183 (0.188)  0.261 (0.265)  0.381 (0.387)  0.477 (0.485)  0.590 (0.597)  0.738 (0.745)
//	vodedge-compact   0.183 (0.188)  0.261 (0.265)  0.380 (0.387)  0.477 (0.484)  0.589 (0.597)  0.738 (0.744)
//	sieve             0.165 (0.178)  0.194 (0.213)  0.333 (0.356)  0.455 (0.463)  0.574 (0.585)  0.738 (0.744)
//	vodedge-disk      0.105 (0.109)  0.182 (0.184)  0.307 (0.310)  0.414 (0.422)  0.548 (0.551)  0.726 (0.730)
//	lru               0.077 (0.078)  0.134 (0.139)  0.246 (0.253)  0.365 (0.375)  0.513 (0.518)  0.714 (0.722)
//
// (vodedge-disk is Table with LFU-DA, the disk tier before Compact;
// vodedge-compact is Compact itself, driven by the simulator.) S3-FIFO beats LFU-DA at
// every size, by 0.078 of byte hit ratio at 1 %, 0.063 at 10 % and
// 0.012 at 50 %, and beats SIEVE up to 20 % (by 0.066 at 2 %); at 50 %
// the two tie (0.7383 both). Both need only a few bits an object; S3-FIFO
// also keeps a ghost of keys (6 bytes an object here, below), which the
// memory bound affords. So Compact runs S3-FIFO (Yang et al., "FIFO
// queues are all you need for cache eviction", SOSP 2023):
//
//   - A small FIFO of 10 % of the capacity (less what is pinned) admits
//     new objects, a main FIFO holds the rest, and a ghost remembers the
//     hashes of objects evicted from the small FIFO, as many bytes of
//     them as the main FIFO holds. Every object has a 2-bit hit counter.
//   - A miss whose hash is in the ghost goes to the main FIFO directly.
//   - To make room, the small FIFO gives up its tail when it holds its
//     share, else the main one does. A small tail hit at least once moves
//     to the main head (counter cleared) and the next tail is looked at;
//     one never hit goes, into the ghost. A main tail with hits is
//     reinserted at the head with one hit less; one without goes.
//
// # Compact: memory
//
// Three ways were open: keep the eviction state in the index (Pebble),
// sample candidates from the index, or keep compact arrays keyed by a
// hash. The first two turn every hit into an index write (a counter or
// a timestamp per record, through Pebble's WAL and compactions) and
// every eviction into index reads; the hit path must not write. So
// Compact keeps arrays in memory, none holding a Go pointer (the
// garbage collector never scans them):
//
//   - a node per object, 24 bytes: the 64-bit hash, the size in 4 KiB
//     blocks, the queue links (int32 node numbers), a 16-bit stamp that
//     orders it within its queue, the number of keys sharing the hash,
//     and a state byte (queue, 2-bit counter, pinned, a mark bit for
//     reconciliation). Nodes live in chunks of 4096 and are never
//     moved, so growth copies nothing;
//   - an index from hash to node: open addressing with linear probing
//     over 8-byte slots (a 32-bit fingerprint and the node number), grown
//     by half beyond 75 % full and shrunk below 20 %: 11–16 bytes an
//     object. A slot's position derives from its fingerprint alone, so
//     growing and deleting (backward shift, no tombstones) never read a
//     node, and a lookup reads one only on a fingerprint match;
//   - the ghost, 8-way buckets of 8-byte slots (a fingerprint and the
//     ghost's clock when added: the paper's implementation note), 3/4
//     as many slots as the index: 8–12 bytes an object. A key is in it
//     while the blocks added to the ghost since, its own included, fit
//     the main FIFO's capacity; a full bucket forgets its oldest key.
//
// That is 43–52 bytes an object, whatever the count. Victims are
// returned as hashes; the disk tier resolves a hash to its keys through
// its index (below).
//
// On Linux the index, the ghost and, past 64 chunks, the nodes (then
// cut from slabs of up to 256 chunks, 24 MiB) are advised for
// transparent huge pages (huge.go), since every probe of a large table
// lands on a random page of each; CompactConfig.NoHugePages turns it
// off. Alone it did not move a 20 M lookup measurably (see the
// disk tier's Scale).
//
// Victim selection is bounded: one Victim call moves or reinserts at most
// ScanLimit entries (64 by default), then takes the tail in hand even if
// it was hit, and counts it (CompactStats.Forced). On the default trace
// that happens in 0.04–0.11 % of evictions (321 of 717,640 at 1 %, 530
// of 475,950 at 10 %). With the ghost's early forgetting and the charge
// in whole blocks, it moves the byte hit ratio by at most 0.001 from the
// simulator's own S3-FIFO (table above); with a ghost large enough and no
// scan limit, Compact hits exactly where the simulator's S3-FIFO
// (charged in blocks) hits, request for request, on seeded Zipf traces
// (bench/hitsim TestCompactMatchesReference).
//
// One lock guards the table: an operation holds it for one or two cache
// misses. Two goroutines touching at once get fewer Touches done than
// one (2.9 million a second against 3.6 million, at 20 million
// entries), still hundreds of times what a disk tier serves.
//
// # Compact: measured
//
// `make bench-evict` (EVICT_FULL=1 go test -count=1 -v -run CompactScale
// -bench Compact -benchtime 1000000x ./cache/evict/), one run on this
// 2-core machine while another job kept its load average at 4–6. Heap
// per entry is HeapAlloc after filling minus before, both after a
// collection (HeapInuse agrees to 0.1 byte). Add is the mean while
// filling; Touch a hit on a random entry; an eviction a Victim, Evict
// and Add of a new key, measured after a million random touches (at
// 100k entries every counter is then 3, and 0.8 % of those evictions
// end at the scan limit). Percentiles include two clock reads.
//
//	entries     heap B/entry  Add     Touch ns/op  Touch p50 / p99   eviction ns/op  p50 / p99        Add+Remove ns/op
//	100,000     44.1          234 ns   79          145 ns / 397 ns   301             277 ns / 835 ns  102
//	2,000,000   49.5          250 ns  197          406 ns / 809 ns   629             568 ns / 3.7 µs   90
//	20,000,000  43.3          349 ns  278          646 ns / 1.18 µs  932             880 ns / 1.8 µs   97
//
// (1 million entries, the unit tests' size: 46.7 bytes an entry.) The
// 20-million-entry table takes 866 MB of heap. Costs grow with the count
// only through cache and TLB misses (100k entries fit in the CPU's
// caches, 20 million do not): Touch's p99 is 3.0× larger at 20 million
// than at 100k, 1.2 µs, on top of a disk-tier lookup that reads the
// index. An earlier run at load average 0.5 measured 20 million entries
// at 263 ns a Touch (p99 875 ns) and 885 ns an eviction. Saving and
// restoring 20 million entries as the disk tier does (below): Export in
// batches of 4096, 0.39 s; Restore, 7.0 s; Reorder, 0.30 s (2 million:
// 33 ms, 0.41 s, 27 ms).
//
// # Compact: hash collisions
//
// Hash is FNV-1a 64 finished with MurmurHash3's mixer, fixed forever (a
// test pins its values), so the disk tier may store it. Two keys of
// 20 million collide with probability about 1 in 100,000. When they do,
// they share one entry: Add of a present hash adds the second key's
// size and counts two keys (CompactStats.Collisions); the entry is
// pinned if either key is; Remove(h, size) of one key takes its size off
// and keeps the entry for the other; Victim names the hash once and the
// disk tier evicts every key its index holds under it, then calls Evict,
// which drops the entry with all its bytes. Touch and Has answer for the
// shared entry: a lookup that finds the hash still reads the index,
// which tells the two keys apart.
//
// # Compact in the disk tier
//
// Each disk (cache/disktier) keys its table by Hash(slice key), charges
// each slice in whole blocks, and keeps beside every index record a key
// "h/" + hash + slice key (the slice's blocks and pin), in the record's
// batch. Through it a victim hash becomes its keys: the disk evicts them
// all, then calls Evict; if the index says one is pinned it calls
// SetPinned instead (the entry is then in no queue), and if none is left
// (a stale entry) it just calls Evict. A purge, a corrupt or missing file
// calls Remove(h, size); a pin calls SetPinned with whether any key under
// h is pinned. Hits are counted with Touch; Stat(h).Freq, the 2-bit
// counter, is what the edge promotes to RAM on (when a hit brings it to
// 2). One spare state bit is the caller's (SetFlag): the disk marks an
// entry verified since start-up with it, and takes a shared entry
// (Keys > 1) as never verified.
//
// At Close and every few minutes a disk saves the table beside its index:
// Export in batches of 4096 (the lock is held per batch), 16 bytes an
// entry, into a temp file, synced and renamed (320 MB at 20 million
// slices; the ghost is not saved: it refills within one pass of the
// small queue). At start-up it streams the file into Restore, calls
// Reorder once, then reconciles with the index: BeginSweep, Mark for
// every "h/" key (a page at a time under its record lock, so deletes and
// pins meanwhile apply to both sides), and Sweep in batches. It admits
// objects once the state is restored: a commit whose hash is not marked
// yet makes no Add (an Add after BeginSweep counts as seen, and the mark
// would count the key twice); its mark adds it. With no saved state the
// marks alone load the table, and nothing is admitted until they end.
//
// Imports: standard library only.
package evict
