package ramtier

import (
	"errors"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/ristretto/v2"
)

// EntryOverhead is charged per entry on top of its size: the ristretto
// item, the store's map slot and the value's own header, rounded up.
const EntryOverhead = 256

// Value is what the tier stores: an immutable object that knows its key
// and its size in bytes.
type Value interface {
	comparable
	CacheKey() string
	CacheSize() int64
}

// Config sizes the tier.
type Config struct {
	// MaxBytes is the capacity, values plus EntryOverhead each.
	MaxBytes int64
	// AvgValueBytes is the expected mean value size; it sizes the
	// admission counters (ten per expected entry). Default 64 KiB.
	AvgValueBytes int64
}

func (c Config) validate() error {
	if c.MaxBytes < 0 {
		return fmt.Errorf("ramtier: MaxBytes must not be negative, got %d", c.MaxBytes)
	}
	if c.AvgValueBytes < 0 {
		return errors.New("ramtier: AvgValueBytes must not be negative")
	}
	return nil
}

// Tier is a RAM cache of values of type V. It is safe for concurrent use.
type Tier[V Value] struct {
	c         *ristretto.Cache[string, V]
	maxBytes  int64
	evictions atomic.Uint64 // removed by the policy or by TTL expiry
	rejected  atomic.Uint64 // refused at admission
	dropped   atomic.Uint64 // Set dropped before reaching the policy
	deleted   atomic.Uint64 // removed by Del
	onExit    func(V)
}

// exit forwards a leaving value to onExit. ristretto also reports zero
// values (a delete it applies after the entry was already removed).
func (t *Tier[V]) exit(v V) {
	var zero V
	if t.onExit != nil && v != zero {
		t.onExit(v)
	}
}

// New returns a tier sized by cfg. MaxBytes 0 returns a disabled tier:
// it holds nothing, every Get misses and every Set is refused.
//
// onExit, if not nil, is called once for every value that leaves the
// tier (evicted, refused at admission, replaced, deleted, or dropped by a
// Set that returned false) and for what is left at Close: the place to
// release what a value holds.
func New[V Value](cfg Config, onExit func(V)) (*Tier[V], error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBytes == 0 {
		return &Tier[V]{onExit: onExit}, nil
	}
	avg := cfg.AvgValueBytes
	if avg == 0 {
		avg = 64 << 10
	}
	t := &Tier[V]{maxBytes: cfg.MaxBytes, onExit: onExit}
	c, err := ristretto.NewCache(&ristretto.Config[string, V]{
		NumCounters:        max(10*cfg.MaxBytes/avg, 10_000),
		MaxCost:            cfg.MaxBytes,
		BufferItems:        64,
		Metrics:            true,
		IgnoreInternalCost: true,
		OnEvict:            func(*ristretto.Item[V]) { t.evictions.Add(1) },
		OnReject:           func(*ristretto.Item[V]) { t.rejected.Add(1) },
		OnExit:             t.exit,
	})
	if err != nil {
		return nil, fmt.Errorf("ramtier: %w", err)
	}
	t.c = c
	return t, nil
}

// Get returns the value stored under key. key may alias a buffer that the
// caller reuses: the tier keeps neither it nor its hash past the call.
func (t *Tier[V]) Get(key string) (V, bool) {
	if t.c == nil {
		var zero V
		return zero, false
	}
	v, ok := t.c.Get(key)
	if !ok || v.CacheKey() != key {
		var zero V
		return zero, false
	}
	return v, true
}

// Has reports whether key is stored, without counting an access (the
// admission policy sees only Gets): for asking ahead whether a response
// will need the origin.
func (t *Tier[V]) Has(key string) bool {
	if t.c == nil {
		return false
	}
	_, ok := t.c.GetTTL(key)
	return ok
}

// Set offers v to the tier, to expire after ttl (0: never). It returns
// false when the set was dropped under contention; true means only that the
// admission policy will consider it.
func (t *Tier[V]) Set(v V, ttl time.Duration) bool {
	if t.c == nil {
		t.exit(v)
		return false
	}
	ok := t.c.SetWithTTL(v.CacheKey(), v, v.CacheSize()+EntryOverhead, ttl)
	if !ok {
		t.dropped.Add(1)
		t.exit(v)
	}
	return ok
}

// Wait blocks until every Set offered so far has been applied or refused.
// Only background goroutines may call it, never a request path.
func (t *Tier[V]) Wait() {
	if t.c != nil {
		t.c.Wait()
	}
}

// Del removes key from the tier.
func (t *Tier[V]) Del(key string) {
	if t.c == nil {
		return
	}
	t.c.Del(key)
	t.deleted.Add(1)
}

// Close stops the tier's goroutines and releases its memory; OnExit sees
// every value still held.
func (t *Tier[V]) Close() {
	if t.c != nil {
		t.c.Clear()
		t.c.Close()
	}
}

// Stats is a point-in-time view of the tier.
type Stats struct {
	Bytes, MaxBytes, Items                int64
	Hits, Misses                          uint64
	Evictions, Rejected, Dropped, Deleted uint64
	AddedBytes, EvictedBytes              uint64
}

// Stats reads the tier's counters.
func (t *Tier[V]) Stats() Stats {
	if t.c == nil {
		return Stats{}
	}
	m := t.c.Metrics
	used := t.maxBytes - t.c.RemainingCost()
	return Stats{
		Bytes:        used,
		MaxBytes:     t.maxBytes,
		Items:        int64(m.KeysAdded()) - int64(m.KeysEvicted()),
		Hits:         m.Hits(),
		Misses:       m.Misses(),
		Evictions:    t.evictions.Load(),
		Rejected:     t.rejected.Load(),
		Dropped:      t.dropped.Load(),
		Deleted:      t.deleted.Load(),
		AddedBytes:   m.CostAdded(),
		EvictedBytes: m.CostEvicted(),
	}
}

// Each calls fn with every value in the tier until fn returns false. It
// walks the whole tier: for administrative operations, not requests.
func (t *Tier[V]) Each(fn func(V) bool) {
	if t.c == nil {
		return
	}
	t.c.IterValues(func(v V) bool { return !fn(v) })
}
