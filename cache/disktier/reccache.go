package disktier

import (
	"sync"
	"sync/atomic"
)

// recCache keeps decoded index records of recently read slices, so that
// a disk hit costs no Pebble lookup and no decode. It is bounded in bytes
// (a record's Meta may be up to 16 KiB, so a count would not bound its
// memory); when full, arbitrary entries make room (Go's map order),
// which is cheap and good enough since the eviction table, not this
// cache, decides what stays on disk.
//
// Consistency: every change of an index record (commit, pin, meta
// update, eviction, a corrupt record dropped) calls invalidate after
// the index write. A reader notes seq before its index read and stores
// what it read only if no invalidation happened since; so a record read
// before a change can never be stored after that change's invalidation.
// Cached records are shared: callers must not modify them.
type recCache struct {
	max  int64 // bytes; 0: off
	used int64 // guarded by mu
	seq  atomic.Uint64
	mu   sync.RWMutex
	m    map[string]*Record

	// beforePut, when set (by tests), runs between a reader's index read
	// and its put: the window a concurrent change can fall into.
	beforePut func()
}

func newRecCache(max int64) *recCache {
	return &recCache{max: max, m: make(map[string]*Record)}
}

// recordBytes is what r costs in the cache: its variable parts and a
// fixed allowance for the struct and the map entry.
func recordBytes(r *Record) int64 {
	return int64(2*len(r.Key)+len(r.File)+len(r.ETag)+len(r.ContentType)+len(r.Meta)+4*len(r.CRCs)) + 256
}

func (c *recCache) get(key string) *Record {
	if c.max <= 0 {
		return nil
	}
	c.mu.RLock()
	r := c.m[key]
	c.mu.RUnlock()
	return r
}

// put stores r, read from the index after seq was noted, unless an
// invalidation happened since.
func (c *recCache) put(r *Record, seq uint64) {
	if c.max <= 0 {
		return
	}
	if c.beforePut != nil {
		c.beforePut()
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.seq.Load() != seq {
		return
	}
	size := recordBytes(r)
	if size > c.max {
		return
	}
	c.removeLocked(r.Key)
	for k := range c.m {
		if c.used+size <= c.max {
			break
		}
		c.removeLocked(k)
	}
	c.m[r.Key] = r
	c.used += size
}

func (c *recCache) removeLocked(key string) {
	if old, ok := c.m[key]; ok {
		delete(c.m, key)
		c.used -= recordBytes(old)
	}
}

// invalidate forgets key; call it after the index write that changed it.
func (c *recCache) invalidate(key string) {
	c.mu.Lock()
	c.seq.Add(1)
	c.removeLocked(key)
	c.mu.Unlock()
}

func (c *recCache) len() int {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return len(c.m)
}
