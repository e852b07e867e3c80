package evict

import "math/rand/v2"

// sampleSize is how many entries are compared per victim. Redis uses 5
// by default and ristretto 5; 16 costs little and tracks exact ordering
// more closely (see TestPolicyHitRatios).
const sampleSize = 16

type candidate struct {
	key  string
	prio float64
	size int64
}

// Victim returns the unpinned entry with the lowest priority among a
// random sample, without removing it: the caller removes it with Evict
// once it has dropped the object (concurrent callers may pick the same
// victim; Evict counts it once). ok is false when no unpinned entry was
// found.
func (t *Table) Victim() (key string, ok bool) {
	best, found := t.sample()
	return best.key, found
}

// Evict removes key as an eviction victim and returns its size (0 when
// absent). LFU-DA and GDSF age the table by the victim's priority.
func (t *Table) Evict(key string) int64 {
	s := &t.shard[t.shardOf(key)]
	s.Lock()
	e := s.m[key]
	if e != nil {
		delete(s.m, key)
	}
	s.Unlock()
	if e == nil {
		return 0
	}
	t.age(e.prio)
	return e.size
}

// sample looks at up to sampleSize unpinned entries from random shards.
func (t *Table) sample() (candidate, bool) {
	var best candidate
	found := false
	start := rand.IntN(shards)
	seen := 0
	for i := 0; i < shards && seen < sampleSize; i++ {
		s := &t.shard[(start+i)%shards]
		s.Lock()
		for k, e := range s.m { // map iteration starts at a random entry
			if e.pinned {
				continue
			}
			if !found || e.prio < best.prio {
				best, found = candidate{k, e.prio, e.size}, true
			}
			if seen++; seen%(sampleSize/4) == 0 {
				break // take a few from each shard
			}
		}
		s.Unlock()
	}
	return best, found
}

// age raises L to the victim's priority (LFU-DA and GDSF age by it).
func (t *Table) age(prio float64) {
	if t.policy == LRU {
		return
	}
	t.clock.Lock()
	if prio > t.clock.aging {
		t.clock.aging = prio
	}
	t.clock.Unlock()
}
