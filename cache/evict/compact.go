package evict

import (
	"errors"
	"math"
	"sync"
)

// BlockBytes is the unit Compact charges sizes in: whole 4 KiB blocks,
// as the disk tier charges its space.
const BlockBytes = 4096

// CompactConfig configures NewCompact.
type CompactConfig struct {
	// CapacityBytes is the byte budget of the store the table evicts
	// for: the small queue's share is 10 % of it (less what is pinned),
	// and the ghost remembers the other 90 %. Required.
	CapacityBytes int64
	// ScanLimit bounds the entries one Victim call moves or reinserts
	// before it takes the tail in hand regardless (default 64; see
	// the package documentation for how rarely it binds).
	ScanLimit int
	// ExpectedEntries, when set, sizes the hash index for that many
	// entries up front, so filling the table up to there never stops
	// it to rehash (at 20 million entries a rehash holds the lock for
	// about a second). The disk tier knows it from its saved state.
	ExpectedEntries int
	// GhostSlots, when set, fixes the ghost's size in 8-byte slots. By
	// default the ghost has 3/4 as many slots as the index and grows
	// with it (6 bytes per entry); a ghost too small for what the main
	// queue's capacity would remember forgets keys early, which on the
	// simulator's traces moves the hit ratio by under 0.1 point.
	GhostSlots int
	// NoHugePages keeps the table's large arrays off transparent huge
	// pages, which it otherwise asks for on Linux (huge.go).
	NoHugePages bool
}

// DefaultScanLimit is CompactConfig.ScanLimit's default.
const DefaultScanLimit = 64

// Compact tracks stored objects for eviction by a 64-bit hash of their
// keys (Hash), in about 40 bytes per object, with S3-FIFO. It is safe
// for concurrent use. See the package documentation.
type Compact struct {
	mu sync.Mutex
	t  *s3fifo // protected by mu
}

// NewCompact returns an empty table.
func NewCompact(cfg CompactConfig) (*Compact, error) {
	if cfg.CapacityBytes < BlockBytes {
		return nil, errors.New("evict: compact table: capacity must be at least one block (4 KiB)")
	}
	if cfg.ScanLimit < 0 {
		return nil, errors.New("evict: compact table: scan limit must not be negative")
	}
	if cfg.ScanLimit == 0 {
		cfg.ScanLimit = DefaultScanLimit
	}
	if cfg.ExpectedEntries < 0 || cfg.GhostSlots < 0 {
		return nil, errors.New("evict: compact table: expected entries and ghost slots must not be negative")
	}
	t := newS3FIFO(cfg.CapacityBytes/BlockBytes, cfg.ScanLimit, !cfg.NoHugePages)
	if cfg.GhostSlots > 0 {
		t.ghost.limit = t.ghostLimit()
		t.ghost.resize((cfg.GhostSlots + ghostWays - 1) / ghostWays)
		t.ghostFixed = true
	}
	t.reserve(cfg.ExpectedEntries)
	return &Compact{t: t}, nil
}

// blocksOf is the charge for size bytes: whole blocks, at least one.
func blocksOf(size int64) uint32 {
	b := (size + BlockBytes - 1) / BlockBytes
	return uint32(min(max(b, 1), math.MaxUint32))
}

// Add records a stored key of size bytes under its hash h. A new entry
// goes to the small queue, or to the main queue if the ghost remembers
// h; a pinned one to no queue. If h is already present, a second key
// shares its entry (a hash collision): the entry's size grows by size,
// it counts two keys, and it is pinned if either is.
func (c *Compact) Add(h uint64, size int64, pinned bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t.add(h, blocksOf(size), pinned)
}

// Touch counts an access to h's entry (its 2-bit counter saturates at
// 3) and reports whether h is present.
func (c *Compact) Touch(h uint64) bool {
	_, ok := c.TouchFreq(h)
	return ok
}

// TouchFreq is Touch that also returns the entry's hit counter after
// the access (0–3; 0 when absent).
func (c *Compact) TouchFreq(h uint64) (freq uint8, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t.touch(h)
}

// Has reports whether h is present, without counting an access.
func (c *Compact) Has(h uint64) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	x, _ := c.t.find(h)
	return x != nil
}

// SetPinned pins h's entry (taking it out of the queues: it is never a
// victim) or unpins it (into the main queue if it was hit while pinned,
// else the small one); it reports whether h is present. An entry shared
// by colliding keys is one entry: the caller passes whether any of them
// is pinned.
func (c *Compact) SetPinned(h uint64, pinned bool) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, e := c.t.find(h)
	if e >= 0 {
		c.t.setPinned(e, pinned)
	}
	return e >= 0
}

// Victim returns the hash of the entry S3-FIFO evicts next. The entry
// is handed out once: it leaves the queues (a concurrent Victim returns
// another) but stays present, so lookups still find it, until the
// caller has dropped every key under the hash and calls Evict. ok is
// false when every entry is pinned or handed out.
func (c *Compact) Victim() (h uint64, ok bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.t.victim()
	if !ok {
		return 0, false
	}
	return c.t.nodes.at(e).hash, true
}

// Evict removes h's entry, with every key under it, and returns the
// bytes it was charged (0 when absent).
func (c *Compact) Evict(h uint64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t.evict(h) * BlockBytes
}

// Remove forgets one key of size bytes under h (a purge, a corrupt
// object) and returns the bytes released: the entry goes with its last
// key; with colliding keys, the other stays.
func (c *Compact) Remove(h uint64, size int64) int64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t.remove(h, blocksOf(size)) * BlockBytes
}

// Len returns the number of entries.
func (c *Compact) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t.nodes.live
}
