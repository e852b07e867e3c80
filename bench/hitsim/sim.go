package hitsim

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"slices"
	"sync"
	"time"

	"github.com/vodedge/vodedge/bench/trace"
	"github.com/vodedge/vodedge/cache/evict"
)

// Policy names, as in the package documentation.
const (
	PolicyLRU         = "lru"
	PolicyS3FIFO      = "s3fifo"
	PolicySIEVE       = "sieve"
	PolicyBelady      = "belady"
	PolicyVodedgeRAM  = "vodedge-ram"
	PolicyVodedgeDisk = "vodedge-disk"
	PolicyCompact     = "vodedge-compact"
	PolicyVodedge     = "vodedge"
	PolicyVodedgeFill = "vodedge-fill"
)

// Policies lists every policy, in report order.
var Policies = []string{PolicyBelady, PolicyVodedgeFill, PolicyVodedge, PolicyVodedgeDisk, PolicyCompact, PolicyVodedgeRAM, PolicyS3FIFO, PolicySIEVE, PolicyLRU}

// Config configures Run.
type Config struct {
	// Shares are the cache sizes, as shares of the trace's footprint.
	Shares []float64 `json:"shares"`
	// Policies to simulate (names from Policies).
	Policies []string `json:"policies"`
	// SliceBytes is the edge's --slice-bytes: the unit every policy
	// caches.
	SliceBytes int64 `json:"slice_bytes"`
	// WarmupDays are replayed but not counted.
	WarmupDays int `json:"warmup_days"`
	// FillShare is the share of the capacity vodedge-fill pins.
	FillShare float64 `json:"fill_share"`
	// Parallel bounds the simulations run at once (default: CPUs).
	Parallel int `json:"-"`
}

// DefaultConfig simulates every policy at 1 %–50 % of the footprint with
// 4 MiB slices, counting from the second day.
func DefaultConfig() Config {
	return Config{
		Shares:     []float64{0.01, 0.02, 0.05, 0.10, 0.20, 0.50},
		Policies:   slices.Clone(Policies),
		SliceBytes: 4 << 20, WarmupDays: 1, FillShare: 0.5,
	}
}

func (c *Config) validate() error {
	if len(c.Shares) == 0 || len(c.Policies) == 0 {
		return errors.New("hitsim: no cache sizes or no policies")
	}
	for _, s := range c.Shares {
		if !(s > 0 && s <= 1) {
			return fmt.Errorf("hitsim: cache share %v: want within (0, 1]", s)
		}
	}
	for _, p := range c.Policies {
		if !slices.Contains(Policies, p) {
			return fmt.Errorf("hitsim: unknown policy %q (want one of %v)", p, Policies)
		}
	}
	switch {
	case c.SliceBytes < 4096:
		return fmt.Errorf("hitsim: slice bytes must be at least 4096, got %d", c.SliceBytes)
	case c.WarmupDays < 0:
		return errors.New("hitsim: warm-up days must not be negative")
	case !(c.FillShare > 0 && c.FillShare <= 1):
		return fmt.Errorf("hitsim: fill share %v: want within (0, 1]", c.FillShare)
	}
	if c.Parallel <= 0 {
		c.Parallel = runtime.GOMAXPROCS(0)
	}
	return nil
}

// Result is every policy's hit ratios at every size.
type Result struct {
	Config         Config  `json:"config"`
	Requests       int     `json:"requests"`
	Counted        int     `json:"counted_requests"`
	Slices         int     `json:"distinct_slices"`
	FootprintBytes int64   `json:"footprint_bytes"`
	RequestedBytes int64   `json:"counted_requested_bytes"`
	Points         []Point `json:"points"`
}

// Point is one policy at one cache size.
type Point struct {
	Policy        string  `json:"policy"`
	Share         float64 `json:"share"`
	CapacityBytes int64   `json:"capacity_bytes"`
	ObjectHit     float64 `json:"object_hit_ratio"`
	ByteHit       float64 `json:"byte_hit_ratio"`
	// FillBytes is what vodedge-fill fetched overnight over the counted
	// days (not part of the hit ratios).
	FillBytes int64   `json:"fill_bytes,omitempty"`
	Seconds   float64 `json:"seconds"`
}

// Get returns the point of policy at share.
func (r *Result) Get(policy string, share float64) (Point, bool) {
	for _, p := range r.Points {
		if p.Policy == policy && p.Share == share {
			return p, true
		}
	}
	return Point{}, false
}

// policy is one simulated cache.
type policy interface {
	access(w *workload, i int) bool
	close()
}

// filler is a policy with an overnight fill.
type filler interface {
	dayStart(w *workload, ranked []int32)
}

// Run replays reqs through every policy at every size.
func Run(ctx context.Context, cfg Config, reqs []trace.Request) (*Result, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if len(reqs) == 0 {
		return nil, errors.New("hitsim: empty trace")
	}
	w := newWorkload(reqs, cfg.SliceBytes, cfg.WarmupDays)
	res := &Result{Config: cfg, Requests: len(reqs), Counted: w.counted, Slices: len(w.keys),
		FootprintBytes: w.footprint, RequestedBytes: w.requested}
	var ranked [][]int32
	if slices.Contains(cfg.Policies, PolicyVodedgeFill) {
		ranked = w.dailyRanking()
	}
	type job struct {
		policy string
		share  float64
	}
	var jobs []job
	for _, p := range cfg.Policies {
		for _, s := range cfg.Shares {
			jobs = append(jobs, job{p, s})
		}
	}
	res.Points = make([]Point, len(jobs))
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, cfg.Parallel)
	var wg sync.WaitGroup
	for i, j := range jobs {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res.Points[i], errs[i] = simulate(ctx, w, cfg, j.policy, j.share, ranked)
		}()
	}
	wg.Wait()
	return res, errors.Join(errs...)
}

func newPolicy(w *workload, cfg Config, name string, capacity int64) (policy, error) {
	switch name {
	case PolicyLRU:
		return newLRU(w, capacity), nil
	case PolicyBelady:
		return newBelady(w, capacity), nil
	case PolicyS3FIFO:
		return newS3FIFO(w.sizes, capacity), nil
	case PolicySIEVE:
		return newSIEVE(w.sizes, capacity), nil
	case PolicyVodedgeRAM:
		return newRAMCache(w, capacity, cfg.SliceBytes)
	case PolicyVodedgeDisk:
		return newDiskCache(capacity, evict.LFUDA), nil
	case PolicyCompact:
		return newCompactCache(w, capacity)
	case PolicyVodedge:
		return newEdgeCache(w, capacity, cfg.SliceBytes)
	case PolicyVodedgeFill:
		return newFillCache(w, capacity, cfg.FillShare)
	}
	return nil, fmt.Errorf("hitsim: unknown policy %q", name)
}

// simulate replays w through one policy of share × footprint bytes.
func simulate(ctx context.Context, w *workload, cfg Config, name string, share float64, ranked [][]int32) (Point, error) {
	capacity := int64(share * float64(w.footprint))
	pt := Point{Policy: name, Share: share, CapacityBytes: capacity}
	p, err := newPolicy(w, cfg, name, capacity)
	if err != nil {
		return pt, err
	}
	defer p.close()
	fl, _ := p.(filler)
	t0 := time.Now()
	var c counter
	day := 0
	for i, a := range w.accesses {
		if i%65536 == 0 && ctx.Err() != nil {
			return pt, ctx.Err()
		}
		if d := int(w.times[a.req] / (24 * time.Hour)); d > day {
			for day < d {
				day++
				if fl != nil && ranked[day] != nil {
					fl.dayStart(w, ranked[day])
				}
			}
		}
		c.add(a, p.access(w, i), a.req >= w.countFrom)
	}
	c.flush()
	pt.ObjectHit, pt.ByteHit = c.ratios(w)
	if f, ok := p.(*fillCache); ok {
		pt.FillBytes = f.fillBytes
	}
	pt.Seconds = time.Since(t0).Seconds()
	return pt, nil
}

// counter accumulates hits over the counted accesses.
type counter struct {
	hitBytes   int64
	hitReqs    int
	open, miss bool // a counted request is open; one of its slices missed
}

func (c *counter) add(a access, hit, counted bool) {
	if a.first {
		c.flush()
		c.open, c.miss = counted, false
	}
	if !counted {
		return
	}
	if hit {
		c.hitBytes += a.bytes
	} else {
		c.miss = true
	}
}

func (c *counter) flush() {
	if c.open && !c.miss {
		c.hitReqs++
	}
	c.open = false
}

func (c *counter) ratios(w *workload) (object, bytes float64) {
	if w.counted == 0 || w.requested == 0 {
		return 0, 0
	}
	return float64(c.hitReqs) / float64(w.counted), float64(c.hitBytes) / float64(w.requested)
}
