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
// accesslog), origin for the object model, fasthttp, client_golang. It
// declares the one interface it needs from an origin (Origin).
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
