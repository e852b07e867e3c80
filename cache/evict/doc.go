// Package evict decides which disk-tier objects to drop when space is
// needed. It keeps, for every stored object, the little an eviction
// policy needs (size, last access, hit count, pinned) in a sharded
// in-memory table, and picks victims by sampling: a handful of random
// unpinned entries, the one with the lowest priority goes. Sampling keeps
// every operation O(1) with no global list to lock on the hit path, as
// ristretto and Redis do; the quality loss against an exact ordering is
// measured in the simulation test against exact LRU.
//
// Policies are priority functions:
//
//	LRU     last access time
//	LFU-DA  hits + L, where L is the priority of the last victim, so old
//	        popularity ages out (Arlitt et al., 2000)
//	GDSF    hits/size + L: favours small objects, maximises object hit ratio
//
// The policy used by the edge is chosen by the byte hit ratio measured on
// a Zipf workload (TestPolicyHitRatios; figures in cache/doc.go), because
// offload is counted in bytes.
//
// Pinned entries (held by a fill manifest) are never chosen.
//
// Imports: standard library only.
package evict
