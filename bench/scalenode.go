package bench

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"os"
	"runtime"
	"slices"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
)

// ScaleNodeConfig is one measurement of RunScale, run by the child
// process 'vodedge bench scale-node' on a disk RunScale populated, so
// that the memory figures are that process's alone.
type ScaleNodeConfig struct {
	// Dir is the populated disk; Objects slices of SliceBytes are stored
	// there under scaleKey(0) … scaleKey(Objects-1), the first Files of
	// them with data files.
	Dir        string
	Objects    int
	Files      int
	SliceBytes int64
	// Lookups random keys are looked up once the index is loaded, for at
	// most LookupTime.
	Lookups    int
	LookupTime time.Duration
	// Baseline slices are then written while they fit, and Evictions
	// more past capacity, each of which must evict a stored slice.
	Baseline, Evictions int
	// Started is when the parent started this process: the restart
	// figures count from it (zero: from RunScaleNode's call).
	Started time.Time
	// ReadyTimeout bounds the wait for the index to load.
	ReadyTimeout time.Duration
	// PeerDir, when set, is another populated disk, of PeerObjects
	// slices, opened once this one is measured, for lookups of both in
	// turn (scalepair.go).
	PeerDir     string
	PeerObjects int
	Log         *slog.Logger
}

// ScaleNodeResult is what the child measured; RunScale reads it back as
// JSON.
type ScaleNodeResult struct {
	// Opened, FirstHit and Ready count from the process's start: Open
	// returned, the first slice was looked up and its first bytes read,
	// and the index was loaded (the tier admits new objects).
	Opened   time.Duration `json:"opened_ns"`
	FirstHit time.Duration `json:"first_hit_ns"`
	Ready    time.Duration `json:"ready_ns"`
	// Warmed counts to every record read into the block cache (the tier
	// does it once loaded and swept, while it serves: the first lookup
	// pass runs meanwhile; the others after).
	Warmed time.Duration `json:"warmed_ns"`
	// Swept counts to the end of the tier's start-up work (the orphan
	// sweep, then the warming): the later passes run after it, in the
	// steady state.
	Swept time.Duration `json:"swept_ns"`
	// RSS and live Go heap (after a GC) before Open and once loaded.
	RSSBefore  int64  `json:"rss_before_bytes"`
	RSSLoaded  int64  `json:"rss_loaded_bytes"`
	HeapBefore uint64 `json:"heap_before_bytes"`
	HeapLoaded uint64 `json:"heap_loaded_bytes"`
	// Lookups timed once the index is loaded, and their percentiles,
	// while the tier warms its cache and sweeps; Late… the same again
	// once it swept and after the writes.
	Lookups       int           `json:"lookups"`
	LookupP50     time.Duration `json:"lookup_p50_ns"`
	LookupP99     time.Duration `json:"lookup_p99_ns"`
	LateLookups   int           `json:"late_lookups"`
	LateLookupP50 time.Duration `json:"late_lookup_p50_ns"`
	LateLookupP99 time.Duration `json:"late_lookup_p99_ns"`
	// Zipf… is a third pass, last, of keys drawn with Zipf(1)
	// popularity (zipfKeys), as video traffic is skewed.
	ZipfLookups int           `json:"zipf_lookups"`
	ZipfP50     time.Duration `json:"zipf_lookup_p50_ns"`
	ZipfP99     time.Duration `json:"zipf_lookup_p99_ns"`
	// CreateP50 is a Create that fit; EvictCreateP50/P99 one past
	// capacity; Victims the slices those evicted; EvictionCost the extra
	// time per victim: (Σ over capacity − count × mean that fit) / victims.
	CreateP50      time.Duration `json:"create_p50_ns"`
	EvictCreateP50 time.Duration `json:"evict_create_p50_ns"`
	EvictCreateP99 time.Duration `json:"evict_create_p99_ns"`
	Victims        int64         `json:"victims"`
	EvictionCost   time.Duration `json:"eviction_cost_ns"`
	// Close is how long closing took (it saves access statistics);
	// CloseErr what it returned, a finding rather than a failed run
	// (the tier gives up on a disk that does not close in time).
	Close    time.Duration `json:"close_ns"`
	CloseErr string        `json:"close_error,omitempty"`
	// HWMBeforeClose and HWM are VmHWM, the process's peak resident
	// set, just before Close and at the end.
	HWMBeforeClose int64 `json:"hwm_before_close_bytes"`
	HWM            int64 `json:"hwm_bytes"`
	// HugeBeforeClose is the process's anonymous memory on transparent
	// huge pages just before Close (AnonHugePages; -1 when unknown).
	HugeBeforeClose int64 `json:"anon_huge_before_close_bytes"`
	// Paired are the lookups alternated with the peer's, when there is
	// one.
	Paired *PairedLookups `json:"paired,omitempty"`
}

// scaleKey is the slice key of the i-th object: a segment of a title,
// zero-padded so that keys in order of i are in byte order.
func scaleKey(i int) string {
	return fmt.Sprintf("/vod/t%07d/1080p/seg%04d.m4s", i/1000, i%1000)
}

// diskBlocks is what the tier counts a slice of n bytes as: its 4 KiB
// blocks, at least one.
func diskBlocks(n int64) int64 { return max((n+4095)&^4095, 4096) }

// scaleCapacity fits the stored slices and the baseline ones exactly.
func (c *ScaleNodeConfig) scaleCapacity() int64 {
	return int64(c.Objects+c.Baseline) * diskBlocks(c.SliceBytes)
}

func (c *ScaleNodeConfig) validate() error {
	if c.Dir == "" || c.Objects < 1 || c.Files < 1 || c.Files > c.Objects || c.SliceBytes < 1 ||
		c.Lookups < 1 || c.LookupTime <= 0 || c.Baseline < 1 || c.Evictions < 1 || c.ReadyTimeout <= 0 ||
		(c.PeerDir != "") != (c.PeerObjects > 0) {
		return fmt.Errorf("bench: scale node: bad config %+v", *c)
	}
	return nil
}

// RunScaleNode opens the populated tier and measures it: restart, memory,
// lookups, eviction, close.
func RunScaleNode(ctx context.Context, cfg ScaleNodeConfig) (*ScaleNodeResult, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if cfg.Started.IsZero() {
		cfg.Started = time.Now()
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	res := &ScaleNodeResult{}
	res.RSSBefore, res.HeapBefore = selfMemory()
	dc := disktier.DefaultConfig(cfg.Dir, cfg.scaleCapacity())
	dc.ScrubBytesPerSec, dc.MinFreeBytes = 0, 0
	s, err := disktier.Open(dc, disktier.Deps{Logger: cfg.Log})
	if err != nil {
		return nil, err
	}
	res.Opened = time.Since(cfg.Started)
	err = res.measure(ctx, &cfg, s)
	if m, merr := readMemStatus(os.Getpid()); merr == nil {
		res.HWMBeforeClose = m.HWM
	}
	res.HugeBeforeClose = anonHugePages()
	if err == nil && cfg.PeerDir != "" {
		err = res.paired(ctx, &cfg, s)
	}
	start := time.Now()
	if cerr := s.Close(); cerr != nil {
		res.CloseErr = cerr.Error()
	}
	res.Close = time.Since(start)
	if m, merr := readMemStatus(os.Getpid()); merr == nil {
		res.HWM = m.HWM
	}
	return res, err
}

func (res *ScaleNodeResult) measure(ctx context.Context, cfg *ScaleNodeConfig, s *disktier.Store) error {
	if err := res.firstHit(ctx, cfg, s); err != nil {
		return err
	}
	if err := await(ctx, s.Loaded, cfg.ReadyTimeout, "index not loaded"); err != nil {
		return err
	}
	res.Ready = time.Since(cfg.Started)
	res.RSSLoaded, res.HeapLoaded = selfMemory()
	uniform := func(r *rand.Rand) int { return r.IntN(cfg.Objects) }
	res.Lookups, res.LookupP50, res.LookupP99 = lookups(ctx, cfg, s, 2, uniform)
	if err := await(ctx, s.Warmed, cfg.ReadyTimeout, "index records not read into the cache"); err != nil {
		return err
	}
	res.Warmed = time.Since(cfg.Started)
	if err := await(ctx, s.Swept, cfg.ReadyTimeout, "orphan sweep not done"); err != nil {
		return err
	}
	res.Swept = time.Since(cfg.Started)
	if err := res.evictions(cfg, s); err != nil {
		return err
	}
	res.LateLookups, res.LateLookupP50, res.LateLookupP99 = lookups(ctx, cfg, s, 3, uniform)
	res.ZipfLookups, res.ZipfP50, res.ZipfP99 = lookups(ctx, cfg, s, 4, newZipfKeys(cfg.Objects).draw)
	return nil
}

// firstHit looks up a slice that has a data file and reads its first
// bytes, as the edge's first disk hit after a restart does.
func (res *ScaleNodeResult) firstHit(ctx context.Context, cfg *ScaleNodeConfig, s *disktier.Store) error {
	key := scaleKey(cfg.Files / 2)
	buf := make([]byte, min(cfg.SliceBytes, 64<<10))
	deadline := time.Now().Add(time.Minute)
	for {
		if r, ok := s.Lookup(key, true); ok {
			if err := s.ReadAt(r, buf, 0); err != nil {
				return fmt.Errorf("bench: first hit %s: %w", key, err)
			}
			res.FirstHit = time.Since(cfg.Started)
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("bench: %s never found on the populated disk", key)
		}
		time.Sleep(time.Millisecond)
	}
}

// await polls done until it holds, for at most timeout.
func await(ctx context.Context, done func() bool, timeout time.Duration, what string) error {
	deadline := time.Now().Add(timeout)
	for !done() {
		if time.Now().After(deadline) {
			return fmt.Errorf("bench: %s after %v", what, timeout)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
	return nil
}

// lookups times Lookup of stored keys drawn by draw from seed and
// returns how many it timed and their p50 and p99.
func lookups(ctx context.Context, cfg *ScaleNodeConfig, s *disktier.Store, seed uint64, draw func(*rand.Rand) int) (int, time.Duration, time.Duration) {
	rnd := rand.New(rand.NewPCG(uint64(cfg.Objects), seed))
	ds := make([]time.Duration, 0, cfg.Lookups)
	end := time.Now().Add(cfg.LookupTime)
	for len(ds) < cfg.Lookups && time.Now().Before(end) && ctx.Err() == nil {
		key := scaleKey(draw(rnd))
		start := time.Now()
		_, ok := s.Lookup(key, true)
		d := time.Since(start)
		if ok {
			ds = append(ds, d)
		}
	}
	return len(ds), percentile(ds, 0.50), percentile(ds, 0.99)
}

// evictions writes Baseline slices into the room left for them, then
// Evictions more, and times each Create: past capacity it picks a victim
// and evicts it (index delete, synced, and unlink) before returning.
func (res *ScaleNodeResult) evictions(cfg *ScaleNodeConfig, s *disktier.Store) error {
	body := make([]byte, cfg.SliceBytes)
	before := storedObjects(s)
	fit, err := createN(s, "/scale-new/a", cfg.Baseline, body)
	if err != nil {
		return err
	}
	over, err := createN(s, "/scale-new/b", cfg.Evictions, body)
	if err != nil {
		return err
	}
	res.Victims = before + int64(cfg.Baseline+cfg.Evictions) - storedObjects(s)
	res.CreateP50 = percentile(fit, 0.50)
	res.EvictCreateP50, res.EvictCreateP99 = percentile(over, 0.50), percentile(over, 0.99)
	if res.Victims > 0 {
		extra := sum(over) - time.Duration(len(over))*sum(fit)/time.Duration(len(fit))
		res.EvictionCost = max(0, extra/time.Duration(res.Victims))
	}
	return nil
}

// createN stores n slices of body under prefix, returning how long each
// Create took.
func createN(s *disktier.Store, prefix string, n int, body []byte) ([]time.Duration, error) {
	ds := make([]time.Duration, 0, n)
	for i := range n {
		r := disktier.Record{Key: fmt.Sprintf("%s/%06d", prefix, i), Length: int64(len(body)), ObjSize: int64(len(body)), ETag: `"new"`}
		start := time.Now()
		w, err := s.Create(r)
		ds = append(ds, time.Since(start))
		if err != nil {
			return nil, fmt.Errorf("bench: create %s: %w", r.Key, err)
		}
		if _, err := w.Write(body); err != nil {
			w.Abort()
			return nil, err
		}
		if err := w.Commit(); err != nil {
			return nil, err
		}
	}
	return ds, nil
}

func storedObjects(s *disktier.Store) int64 {
	var n int64
	for _, d := range s.Disks() {
		n += d.Objects
	}
	return n
}

// selfMemory is this process's resident set and its live Go heap after
// a collection.
func selfMemory() (rss int64, heap uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m, _ := readMemStatus(os.Getpid())
	return m.RSS, ms.HeapAlloc
}

// percentile is the q-quantile of ds (nearest rank); ds is sorted.
func percentile(ds []time.Duration, q float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	return ds[min(len(ds)-1, int(q*float64(len(ds))))]
}

func sum(ds []time.Duration) time.Duration {
	var t time.Duration
	for _, d := range ds {
		t += d
	}
	return t
}
