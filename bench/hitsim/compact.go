package hitsim

import "github.com/vodedge/vodedge/cache/evict"

// compactCache drives cache/evict's Compact (S3-FIFO by key hash) as
// the disk tier would: Touch a slice's hash on a lookup; on a miss,
// evict victims until the slice's blocks fit, then Add it.
type compactCache struct {
	c              *evict.Compact
	hashes         []uint64 // slice id → evict.Hash of its key, 0 until first use
	capacity, used int64
}

func newCompactCache(w *workload, capacity int64) (*compactCache, error) {
	c, err := evict.NewCompact(evict.CompactConfig{CapacityBytes: capacity})
	if err != nil {
		return nil, err
	}
	return &compactCache{c: c, hashes: make([]uint64, len(w.keys)), capacity: capacity}, nil
}

func (c *compactCache) hash(w *workload, id int32) uint64 {
	if c.hashes[id] == 0 {
		c.hashes[id] = evict.Hash(w.keys[id])
	}
	return c.hashes[id]
}

func (c *compactCache) access(w *workload, i int) bool {
	id := w.accesses[i].id
	if c.c.Touch(c.hash(w, id)) {
		return true
	}
	c.store(w, id, false)
	return false
}

// store adds slice id, evicting unpinned victims first; it reports
// whether the slice fit.
func (c *compactCache) store(w *workload, id int32, pinned bool) bool {
	need := blocks(w.sizes[id])
	if need > c.capacity/evict.BlockBytes*evict.BlockBytes {
		return false
	}
	for c.used+need > c.capacity {
		v, ok := c.c.Victim()
		if !ok {
			return false
		}
		c.used -= c.c.Evict(v)
	}
	c.c.Add(c.hash(w, id), need, pinned)
	c.used += need
	return true
}

func (c *compactCache) close() {}
