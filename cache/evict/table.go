package evict

import (
	"hash/maphash"
	"math"
	"sync"
)

// Policy names a priority function.
type Policy int

// The policies; see the package documentation.
const (
	LRU Policy = iota
	LFUDA
	GDSF
)

func (p Policy) String() string {
	return [...]string{"lru", "lfu-da", "gdsf"}[p]
}

// entry is what the table keeps per object.
type entry struct {
	size   int64
	last   int64 // logical clock of the last access
	hits   uint32
	pinned bool
	prio   float64 // policy priority, updated on access
}

const shards = 32

// Table tracks stored objects for eviction. It is safe for concurrent
// use.
type Table struct {
	policy Policy
	seed   maphash.Seed
	clock  struct {
		sync.Mutex
		now   int64   // logical time: one tick per access
		aging float64 // L: priority of the last victim (LFU-DA, GDSF)
	}
	shard [shards]struct {
		sync.Mutex
		m map[string]*entry // protected by the shard's mutex
	}
}

// New returns an empty table using policy p.
func New(p Policy) *Table {
	t := &Table{policy: p, seed: maphash.MakeSeed()}
	for i := range t.shard {
		t.shard[i].m = make(map[string]*entry)
	}
	return t
}

func (t *Table) shardOf(key string) int {
	return int(maphash.String(t.seed, key) % shards)
}

// tick advances the logical clock and returns it with the aging term.
func (t *Table) tick() (int64, float64) {
	t.clock.Lock()
	defer t.clock.Unlock()
	t.clock.now++
	return t.clock.now, t.clock.aging
}

func (t *Table) priority(e *entry, aging float64) float64 {
	switch t.policy {
	case LFUDA:
		return aging + float64(e.hits)
	case GDSF:
		return aging + float64(e.hits)/float64(max(e.size, 1))
	default:
		return float64(e.last)
	}
}

// Add records a newly stored object (or replaces one), counting it as one
// access.
func (t *Table) Add(key string, size int64, pinned bool) {
	now, aging := t.tick()
	e := &entry{size: size, last: now, hits: 1, pinned: pinned}
	e.prio = t.priority(e, aging)
	s := &t.shard[t.shardOf(key)]
	s.Lock()
	s.m[key] = e
	s.Unlock()
}

// Touch records an access to key. It reports whether key is present.
func (t *Table) Touch(key string) bool {
	now, aging := t.tick()
	s := &t.shard[t.shardOf(key)]
	s.Lock()
	defer s.Unlock()
	e := s.m[key]
	if e == nil {
		return false
	}
	e.last = now
	if e.hits < math.MaxUint32 {
		e.hits++
	}
	e.prio = t.priority(e, aging)
	return true
}

// SetPinned pins or unpins key; it reports whether key is present.
func (t *Table) SetPinned(key string, pinned bool) bool {
	s := &t.shard[t.shardOf(key)]
	s.Lock()
	defer s.Unlock()
	e := s.m[key]
	if e != nil {
		e.pinned = pinned
	}
	return e != nil
}

// Remove forgets key and returns its size (0 when absent).
func (t *Table) Remove(key string) int64 {
	s := &t.shard[t.shardOf(key)]
	s.Lock()
	defer s.Unlock()
	e := s.m[key]
	if e == nil {
		return 0
	}
	delete(s.m, key)
	return e.size
}

// Len returns the number of tracked objects.
func (t *Table) Len() int {
	n := 0
	for i := range t.shard {
		s := &t.shard[i]
		s.Lock()
		n += len(s.m)
		s.Unlock()
	}
	return n
}

// Stat is an entry's access statistics.
type Stat struct {
	Hits   uint32
	Pinned bool
}

func (e *entry) stat() Stat { return Stat{Hits: e.hits, Pinned: e.pinned} }

// Stats returns an entry's statistics.
func (t *Table) Stats(key string) (Stat, bool) {
	s := &t.shard[t.shardOf(key)]
	s.Lock()
	defer s.Unlock()
	e := s.m[key]
	if e == nil {
		return Stat{}, false
	}
	return e.stat(), true
}
