// Package ramtier is the RAM tier of an edge node: a byte-bounded cache of
// immutable values on ristretto v2 (TinyLFU admission, sampled-LFU
// eviction), with its statistics exported to Prometheus.
//
// Values are pointers to immutable objects that know their key and size.
// ristretto keeps only two 64-bit hashes of a key, never the key, so Get
// compares the stored value's key with the one asked for: a hash collision
// is a miss, never the wrong object.
//
// ristretto applies Set asynchronously through a buffer and may drop it
// under contention or reject it at admission. Set reports a drop, and the
// drops, rejections and evictions are counted; nothing here assumes a Set
// took effect. Capacity is charged as value size plus a fixed per-entry
// overhead (IgnoreInternalCost, so the figure is ours and documented).
//
// Imports: ristretto and client_golang only.
package ramtier
