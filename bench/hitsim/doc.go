// Package hitsim is a trace-driven hit-ratio simulator. It replays a
// request trace (bench/trace) through cache policies of a given byte
// capacity and reports each policy's object and byte hit ratio, across
// cache sizes given as shares of the trace's footprint (the bytes of
// every distinct object it requests).
//
// # What is simulated
//
// The edge caches aligned slices (4 MiB by default), not objects: a
// request for bytes [a, b] of an object touches slices a/S … b/S. Every
// policy here sees the same slice accesses. A request is an object hit
// when all its slices hit; its bytes count as hit bytes slice by slice.
// The first WarmupDays (or, in a trace shorter than two days, the first
// fifth of the requests) fill the caches and are not counted.
//
// # Policies
//
//   - lru: exact LRU by bytes, admitting everything: what nginx
//     proxy_cache (with slice) does, and Varnish's default LRU.
//   - belady: Belady's MIN with future knowledge: on a miss, if the
//     object fits it goes in, else the cached object whose next use is
//     furthest away goes out, unless the missed object's own next use is
//     further still, in which case it is not admitted. With equal sizes it
//     is the optimum; with unequal sizes (where the optimum is NP-hard) it
//     is the standard near-optimal bound the other policies are read
//     against.
//   - vodedge-ram: the edge's RAM tier, cache/ramtier itself (ristretto v2:
//     TinyLFU admission, sampled-LFU eviction), sized as the edge sizes
//     it (AvgValueBytes = slice/8, cost = size + EntryOverhead). The
//     simulator calls Tier.Wait after each Set, as the edge's miss path
//     applies (or refuses) a Set before the slice's fetch is done.
//   - vodedge-disk: the edge's disk tier eviction, cache/evict's Table
//     with LFU-DA (the edge's default --disk-policy), admitting every
//     fetched slice and evicting sampled victims until it fits, charged
//     in 4 KiB blocks, as cache/disktier does.
//   - vodedge: the whole edge: a RAM tier of 1/16 of the capacity in front
//     of a disk tier of the rest; a miss is offered to both, a disk hit is
//     promoted to RAM on its 2nd, 4th, 8th… hit.
//   - vodedge-fill: the disk tier with an overnight fill: at each midnight
//     the slices with the most bytes requested per stored byte on the day
//     before are filled (fetched outside the counted traffic) and pinned,
//     up to FillShare of the capacity; the rest is LFU-DA as above. This
//     models Open Connect's proactive fill from yesterday's popularity.
//
// # Determinism
//
// The trace and the lru and belady results are a function of the seed
// alone. cache/evict samples victims with math/rand's global source and
// ristretto hashes with a per-process seed and samples by map order, so
// the vodedge-* figures vary in the third decimal from run to run; the
// tests bound that spread instead of pretending it is zero.
//
// Imports: bench/trace, cache/ramtier, cache/evict, standard library.
package hitsim
