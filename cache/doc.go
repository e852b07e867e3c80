// Package cache is the edge node's serving path: the fasthttp segment
// server, the RAM tier, and the miss path that fetches from the origin.
//
// # What it owns
//
// Server answers GET and HEAD for video objects with HTTP/1.1 semantics a
// player relies on: 200, 206 (single ranges, and multipart/byteranges for
// several), 304, 412, 416, Accept-Ranges, ETag and Last-Modified carried
// from the origin, If-None-Match / If-Modified-Since / If-Match /
// If-Unmodified-Since / If-Range, keep-alive, and an X-Cache header naming
// the tier that served (HIT-RAM, HIT-DISK, MISS). Errors map to statuses
// in one place (statusFor). Request targets become cache keys through
// cachekey: "..", encoded slashes, NUL and over-long paths are 400 and
// never reach the origin; the query string is never part of the key.
//
// Imports: its leaf packages (cachekey, httprange, stream, ramtier,
// disktier, evict, accesslog), origin for the object model, fasthttp,
// client_golang. It declares the one interface it needs from an origin
// (Origin). The disk tier is injected (Deps.Disk) and may be absent.
//
// # Tiers
//
// A slice is looked up in the RAM tier, then the disk tier, then the
// fetches in flight, and only then fetched. A fetched slice is offered to
// the RAM tier (admission decides) and written through to disk while it
// streams: the disk writer is one more reader of the fetch's buffer. RAM
// eviction never loses what is on disk. A disk hit is promoted on its
// 2nd, 4th, 8th… hit: read (and verified) in the background and offered
// to the RAM tier.
//
// # Disk layout: one file per slice, Pebble as the index
//
// Measured on the 2-core loopback machine (make bench-layout; writes of
// 150 × 4 MiB and 4000 × 16 KiB into a fresh directory, then every object
// sent to a loopback socket; single runs, write figures swing ±2× with the
// kernel's dirty-page writeback):
//
//	                 write 4 MiB   send 4 MiB   write 16 KiB   send 16 KiB
//	file per slice   0.5–1.6 s     1.5 GB/s     0.8 s          0.81 GB/s
//	one slab file    0.1–1.4 s     1.8 GB/s     0.07 s         0.89 GB/s
//	Pebble values    2.1–3.9 s     1.8 GB/s     0.37 s         0.63 GB/s
//
// Pebble values write 2.5–5× slower (every byte goes through the WAL and
// again through flushes and compactions) and cannot be sent with
// sendfile. Slabs write as fast as files and send 10–20 % faster, but
// need their own space allocator and compaction to reuse evicted space,
// and a torn slab write is harder to contain. Files per slice make
// eviction an unlink, visibility an atomic rename, and the sendfile path
// trivial; the open/close per hit is their cost (nginx pays it too). So:
// one file per slice under data/aa/bb/, named from a hash of the key and
// a random generation (a rewrite never replaces a file a reader holds),
// and Pebble as the index: key → file, extent, origin metadata, CRC-32C
// per 64 KiB chunk, stored-at, pinned; access statistics beside it.
//
// # Disk eviction: LFU-DA, chosen by measurement
//
// Byte hit ratio on a Zipf workload with a cache of 10 % of the catalogue
// (go test -v -run PolicyHitRatios ./cache/evict/; 20,000 objects of
// 200 KiB–4 MiB, 300,000 requests):
//
//	                 α=0.8 byte / object hit    α=1.0 byte / object hit
//	exact LRU        0.414 / 0.451              0.645 / 0.699
//	sampled LRU      0.413 / 0.450              0.644 / 0.698
//	sampled LFU-DA   0.465 / 0.501              0.680 / 0.730
//	sampled GDSF     0.438 / 0.541              0.664 / 0.752
//
// LFU-DA serves 5–12 % more bytes than LRU; GDSF wins on object hits by
// favouring small objects, but offload is counted in bytes. Sampling 16
// entries per victim matches exact LRU within 0.001.
//
// # Integrity and restart
//
// An object becomes visible only after its file is renamed into place and
// its index record committed; half-written temp files are deleted at
// start-up and unindexed data files swept once the index is loaded. The
// first read of each slice after start-up, and 1 % of later reads, go
// through a verifying reader that releases a chunk only after its CRC-32C
// matched; a mismatch evicts the slice and cuts the response (a client
// never gets a wrong byte). Other reads are sendfile(2) from the file.
// A background scrubber verifies everything at a bounded rate. After a
// restart the node serves disk hits at once (100,000 slices: first hit
// 0.024 s after process start, eviction table loaded after 0.28 s; make
// bench-restart); no segment data is read at start-up.
//
// # Slices: the unit of fetching and caching
//
// Every object is fetched and cached as aligned slices of SliceBytes
// (default 4 MiB, so a typical segment is one slice and one origin
// request). A request for bytes [a, b] touches only slices a/S..b/S. The
// alternative, streaming the object from its first byte and serving the
// range when the stream reaches it, makes a range deep in a large file
// wait for everything before it. Measured on the 2-core loopback machine
// (go test -run=^$ -bench=RangeFirstByteDeep ./cache/), a 64 KiB range at
// 1.5 GiB of an uncached 2 GiB object:
//
//	sliced (4 MiB slices)      4.3 ms
//	stream from the start    738 ms   (reading 1.5 GiB of origin first)
//
// The price is more origin requests for whole large objects: a cold 64 MiB
// GET costs 16 requests of 4 MiB instead of one. A body reading slice i
// starts fetching slice i+1, so the origin stays busy; see
// BenchmarkMissSequential for cold throughput by slice size against a
// direct GET from the origin. Slices of one object are checked against
// each other (size, ETag, Last-Modified): if the origin object changes
// between two slice fetches, the response is cut and the object's slices
// dropped, never finished with bytes of two versions.
//
// # Miss path: one fetch per slice, streamed to every waiter
//
// acquire returns, for a slice, the RAM tier's copy, the fetch already in
// flight, or a new fetch; under the flight lock it looks in the RAM tier
// again, and a fetch leaves the flight map only after the RAM tier has
// applied (or refused) its Set, so concurrent requests for a cold slice
// make exactly one origin request. The fetch runs on its own goroutine
// with the server's context, not a client's: a client that disconnects
// never cancels it. Bytes land in a stream.Buffer sized from the origin's
// answer; every waiting response reads from it as bytes arrive, so no one
// waits for the whole object, and a slow client only slows itself (the
// fetch never waits for readers). Once complete, the same bytes become
// the RAM entry. Headers of streamed responses are flushed immediately.
// Origin 404s are remembered for NegativeTTL; unreachable → 502, timeout
// → 504, each with a short body naming the problem.
//
// # RAM tier and zero-copy hits
//
// The RAM tier (ramtier, ristretto v2 with TinyLFU admission) holds
// immutable *slice values: the body bytes are never written after the
// fetch completes. A hit that lies within one slice is answered with
// fasthttp's SetBodyRaw on a sub-slice of the cached bytes: fasthttp does
// not copy a raw body, and a body larger than its write buffer goes to
// the socket together with the header in one writev, straight from the
// cached array. A response spanning slices streams through body.WriteTo,
// which hands each slice's bytes to the connection's writer; bufio writes
// chunks larger than its buffer directly, so bytes are copied only by the
// kernel. Because values are immutable and garbage-collected, an entry
// evicted while being sent stays valid until the write ends.
//
// # Zero-copy RAM hits: memfd, off by default
//
// With MemfileMinBytes set (--ram-sendfile-min), large RAM-tier slices
// keep their bytes in sealed memfds and hits are sent with sendfile, like
// disk hits. That halves the server's CPU per 2 MiB hit (measured on the
// 2-core loopback machine, 5 s wrk runs alternating: about 200 µs against
// 400–430 µs with writev), but on loopback the receiving side then does
// more of the work (wrk's system time rose from 4.0 s to 6.4 s per 4 s
// run) and with wrk and the edge sharing two cores the throughput fell
// 15–20 % (1280–1320 against 1500 responses/s from disk files and
// 1170–1350 with writev). So it is off by default; on a host whose
// clients are across a NIC (scatter-gather, checksum offload), the
// server's CPU is the cost that matters and an operator can turn it on.
//
// ristretto may drop a Set under contention or refuse it at admission;
// both are counted (vodedge_ram_dropped_sets_total,
// vodedge_ram_rejected_sets_total) and nothing assumes a Set took effect.
//
// # Slow clients
//
// A response larger than what WriteTimeout allows at MinClientRate gets a
// per-response write deadline of WriteTimeout + size/MinClientRate, so a
// slow player on a big segment is not cut off while a stalled one is.
package cache
