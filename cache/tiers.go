package cache

import (
	"context"
	"log/slog"
	"sync"
	"weak"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/ramtier"
	"github.com/vodedge/vodedge/internal/cachekey"
)

// tiers is the lookup across the cache's tiers. It owns the RAM tier,
// the disk tier (given to it; the caller closes it), the current version
// of each object (versions) and what each URL varies on (vary), and the
// promoter that moves popular disk slices into RAM. Its entry point,
// find (lookup.go), gives a request the slice its response starts from
// as one result: found in RAM or on disk and judged fresh, served stale,
// revalidated, or fetched. What the tiers do not hold it hands to the
// flights, which own every origin request; acquire gives a response
// under way its next slices the same way.
//
// It does not own the HTTP exchange (handler), the origin, fetches in
// flight or what is written into the tiers after a fetch (flights).
type tiers struct {
	ram      *ramtier.Tier[*slice]
	disk     *disktier.Store // nil when there is no disk tier
	versions versions
	vary     varySpecs
	rules    *rules
	fl       *flights // misses, revalidations, and the fetches a purge stops
	metrics  *metrics
	log      *slog.Logger

	sliceBytes  int64
	memfdMin    int64 // promoted slices at least this large go to a memfd; 0: none
	maxVariants int
	forward     []string // request fields forwarded on a miss (Config.ForwardHeaders)

	promotions chan *disktier.Record // disk hits queued for the promoter
	bg         sync.WaitGroup        // the promoter
}

func (t *tiers) init(cfg *Config, ram *ramtier.Tier[*slice], disk *disktier.Store, r *rules, fl *flights, m *metrics, log *slog.Logger) {
	t.ram, t.disk, t.rules, t.fl, t.metrics, t.log = ram, disk, r, fl, m, log
	t.versions.m = make(map[string]weak.Pointer[meta])
	t.vary.m = make(map[string]*varySpec)
	t.sliceBytes, t.memfdMin = cfg.SliceBytes, memfdMin(cfg)
	t.maxVariants, t.forward = cfg.MaxVariants, cfg.ForwardHeaders
}

// memfdMin is the size from which RAM-tier slices go to a memfd; 0: none.
func memfdMin(cfg *Config) int64 {
	if cfg.RAMBytes == 0 {
		return 0
	}
	return cfg.MemfileMinBytes
}

// start runs the promoter until ctx is done; stop waits for it and
// releases the RAM tier.
func (t *tiers) start(ctx context.Context) {
	if t.disk == nil {
		return
	}
	t.promotions = make(chan *disktier.Record, 256)
	t.bg.Add(1)
	go t.promoter(ctx)
}

func (t *tiers) stop() {
	t.bg.Wait()
	t.ram.Close()
}

// cached looks sk up in the RAM tier, then the disk tier. A slice found
// is complete: the result's version and offset are known.
func (t *tiers) cached(sk string) (result, bool) {
	if sl, ok := t.ram.Get(sk); ok {
		return result{src: sl, tier: tierRAM, m: sl.meta, off: sl.off}, true
	}
	if t.disk == nil {
		return result{}, false
	}
	rec, ok := t.disk.Lookup(sk, true)
	if !ok {
		return result{}, false
	}
	t.maybePromote(rec)
	d := &diskSlice{store: t.disk, rec: rec, meta: t.recordMeta(rec), verify: t.disk.NeedsVerify(sk)}
	return result{src: d, tier: tierDisk, m: d.meta, off: rec.Offset}, true
}

// acquire returns a source for slice w.idx of w.obj, of version v (any
// current one when v is nil): the RAM tier's copy, the disk tier's, the
// fetch in flight, or a new fetch. It never waits for the origin.
// Bodies continuing a response use it, so that slices of the version
// whose headers were sent are used whatever their freshness.
func (t *tiers) acquire(w want, v *meta) claim {
	if w.pass {
		return t.fl.pass(w)
	}
	sk := cachekey.SliceKey(w.obj, w.idx)
	for attempt := 0; ; attempt++ {
		if r, ok := t.cached(sk); ok && r.m.usableFor(v) {
			return claim{src: r.src, tier: r.tier}
		}
		if c := t.fl.join(w, sk, attempt == 0, v); c.src != nil {
			return c
		}
	}
}

// want describes slice idx of obj as fetched for q: the configured
// request fields and those the URL varies on are forwarded; a passed
// request forwards all its end-to-end fields.
func (t *tiers) want(q *query, obj string, idx int64) want {
	w := want{obj: obj, url: urlOf(obj), idx: idx, pass: q.pass}
	if q.pass && !q.peer {
		w.hdr = passFields(q.hdr)
	} else {
		w.hdr = forwardFields(q.hdr, t.forward, t.vary.lookup(w.url))
	}
	return w
}

// pinned reports whether the slice is held by a fill manifest: fresh
// while pinned.
func (t *tiers) pinned(src source, sk string) bool {
	if d, ok := src.(*diskSlice); ok {
		return d.rec.Pinned
	}
	return t.disk != nil && t.disk.Pinned(sk)
}
