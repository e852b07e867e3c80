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

// Victim removes and returns the unpinned entry with the lowest priority
// among a random sample. ok is false when no unpinned entry was found.
func (t *Table) Victim() (key string, size int64, ok bool) {
	for attempt := 0; attempt < 4; attempt++ {
		best, found := t.sample()
		if !found {
			continue
		}
		if sz := t.removeIfSame(best); sz >= 0 {
			t.age(best.prio)
			return best.key, sz, true
		}
	}
	return "", 0, false
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

// removeIfSame removes c's entry if its priority did not change since it
// was sampled, returning its size, or -1.
func (t *Table) removeIfSame(c candidate) int64 {
	s := &t.shard[t.shardOf(c.key)]
	s.Lock()
	defer s.Unlock()
	e := s.m[c.key]
	if e == nil || e.pinned || e.prio != c.prio {
		return -1
	}
	delete(s.m, c.key)
	return e.size
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
