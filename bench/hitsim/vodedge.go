package hitsim

import (
	"github.com/vodedge/vodedge/cache/evict"
	"github.com/vodedge/vodedge/cache/ramtier"
)

// ramValue is what the simulated RAM tier holds: a slice's key and size,
// no bytes.
type ramValue struct {
	key  string
	size int64
}

func (v *ramValue) CacheKey() string { return v.key }
func (v *ramValue) CacheSize() int64 { return v.size }

// ramCache drives cache/ramtier as the edge does: Get, and on a miss Set
// the fetched slice and let admission decide.
type ramCache struct {
	t      *ramtier.Tier[*ramValue]
	values []*ramValue
}

func newRAMCache(w *workload, capacity, sliceBytes int64) (*ramCache, error) {
	t, err := ramtier.New[*ramValue](ramtier.Config{MaxBytes: capacity, AvgValueBytes: max(sliceBytes/8, 1)}, nil)
	if err != nil {
		return nil, err
	}
	return &ramCache{t: t, values: make([]*ramValue, len(w.keys))}, nil
}

func (c *ramCache) get(w *workload, id int32) bool {
	_, ok := c.t.Get(w.keys[id])
	return ok
}

func (c *ramCache) set(w *workload, id int32) {
	v := c.values[id]
	if v == nil {
		v = &ramValue{key: w.keys[id], size: w.sizes[id]}
		c.values[id] = v
	}
	c.t.Set(v, 0)
	c.t.Wait() // the edge applies (or refuses) the Set before the fetch ends
}

func (c *ramCache) access(w *workload, i int) bool {
	id := w.accesses[i].id
	if c.get(w, id) {
		return true
	}
	c.set(w, id)
	return false
}

func (c *ramCache) close() { c.t.Close() }

// diskCache drives cache/evict's Table as cache/disktier does: Touch on
// a lookup; on a miss, evict sampled victims until the slice's blocks
// fit, then Add it.
type diskCache struct {
	t              *evict.Table
	capacity, used int64
}

func newDiskCache(capacity int64, p evict.Policy) *diskCache {
	return &diskCache{t: evict.New(p), capacity: capacity}
}

// blocks is the disk tier's charge for n bytes: whole 4 KiB blocks.
func blocks(n int64) int64 { return max((n+4095)&^4095, 4096) }

func (c *diskCache) access(w *workload, i int) bool {
	id := w.accesses[i].id
	if c.t.Touch(w.keys[id]) {
		return true
	}
	c.store(w, id, false)
	return false
}

// store adds slice id, evicting unpinned victims first; it reports
// whether the slice fit.
func (c *diskCache) store(w *workload, id int32, pinned bool) bool {
	need := blocks(w.sizes[id])
	for c.used+need > c.capacity {
		k, ok := c.t.Victim()
		if !ok {
			return false
		}
		c.used -= c.t.Evict(k)
	}
	c.t.Add(w.keys[id], need, pinned)
	c.used += need
	return true
}

func (c *diskCache) close() {}

// edgeCache is the whole edge: RAM tier in front of the disk tier.
type edgeCache struct {
	ram  *ramCache
	disk *compactCache
}

// edgeRAMShare is the RAM tier's share of the edge's capacity: the
// defaults are 256 MiB of RAM for 4 GiB of disk.
const edgeRAMShare = 16

func newEdgeCache(w *workload, capacity, sliceBytes int64) (*edgeCache, error) {
	ram, err := newRAMCache(w, capacity/edgeRAMShare, sliceBytes)
	if err != nil {
		return nil, err
	}
	disk, err := newCompactCache(w, capacity-capacity/edgeRAMShare)
	if err != nil {
		ram.close()
		return nil, err
	}
	return &edgeCache{ram: ram, disk: disk}, nil
}

func (c *edgeCache) access(w *workload, i int) bool {
	id := w.accesses[i].id
	if c.ram.get(w, id) {
		return true
	}
	h := c.disk.hash(w, id)
	if c.disk.c.Touch(h) {
		// cache.tiers.maybePromote: the hit that brings the counter to 2.
		if st, _ := c.disk.c.Stat(h); st.Freq == 2 {
			c.ram.set(w, id)
		}
		return true
	}
	c.ram.set(w, id)
	c.disk.store(w, id, false)
	return false
}

func (c *edgeCache) close() { c.ram.close() }
