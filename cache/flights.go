package cache

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/ramtier"
	"github.com/vodedge/vodedge/internal/cachekey"
)

// flights owns the miss path: the fetches in flight, one per slice key,
// which every request wanting that slice joins (collapsing); the origin
// request of each (fetch.go); deciding whether and under which key an
// answer is stored (admit.go); offering the fetched slice to the RAM
// tier and writing it through to disk (writethrough.go); revalidations,
// in the background or not. Each fetch runs on a goroutine of its own
// under the server's context, never a client's, and flights waits for
// them all at shutdown.
//
// It writes into the tiers the lookup owns and lends it (the RAM and
// disk tiers, versions, vary specs), and reads them only under the
// flight lock, to close the gap between a lookup and a join. It does not
// judge freshness for a request (tiers) or speak HTTP to a client
// (handler).
type flights struct {
	origin   Origin
	ram      *ramtier.Tier[*slice]
	disk     *disktier.Store // nil when there is no disk tier
	versions *versions
	vary     *varySpecs
	rules    *rules
	metrics  *metrics
	log      *slog.Logger
	now      func() time.Time

	sliceBytes  int64
	memfds      memfdSizes // the slices that go to a memfd
	maxVariants int

	ctx     context.Context // cancelled when origin fetches must stop
	fetches sync.WaitGroup  // one per running origin fetch or disk write
	running atomic.Int64    // the same count, readable without waiting (tests poll it)

	mu sync.Mutex
	m  map[string]*fetch // protected by mu
}

// claim is what flights hands out for a slice: the source to read it
// from, the tier that counts as having served it, and whether this call
// started the fetch. A claim without a source asks the caller to look in
// the tiers again.
type claim struct {
	src     source
	tier    tier
	started bool
}

func (fl *flights) init(ctx context.Context, cfg *Config, org Origin, t *tiers, now func() time.Time) {
	fl.ctx, fl.origin, fl.now = ctx, org, now
	fl.ram, fl.disk, fl.versions, fl.vary = t.ram, t.disk, &t.versions, &t.vary
	fl.rules, fl.metrics, fl.log = t.rules, t.metrics, t.log
	fl.sliceBytes, fl.memfds, fl.maxVariants = cfg.SliceBytes, memfdSpan(cfg), cfg.MaxVariants
	fl.m = make(map[string]*fetch)
}

// wait blocks until every fetch and disk write has ended; the server's
// context must be cancelled first.
func (fl *flights) wait() { fl.fetches.Wait() }

// begin and end bracket an origin fetch or disk write (fetches, running).
func (fl *flights) begin() {
	fl.running.Add(1)
	fl.fetches.Add(1)
}

func (fl *flights) end() {
	fl.running.Add(-1)
	fl.fetches.Done()
}

// join joins the fetch in flight for sk or starts one. A fetch leaves
// the flight map only after its slice is in the RAM tier (or was
// refused) and committed to disk, so looking at both again under the
// flight lock closes the gap since the caller looked. The disk check
// under the lock is in memory only; when it says the slice is there (and
// mayRetry), the claim has no source: the caller looks it up again
// without the lock.
func (fl *flights) join(w want, sk string, mayRetry bool, v *meta) claim {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if f := fl.m[sk]; f != nil && !f.failed() {
		if f.finished() {
			return claim{src: f, tier: tierRAM} // complete, on its way into the tiers
		}
		fl.metrics.collapsed.Inc()
		return claim{src: f, tier: tierMiss}
	}
	if w.cond == nil {
		if sl, ok := fl.ram.Get(sk); ok && sl.meta.usableFor(v) {
			return claim{src: sl, tier: tierRAM}
		}
		if mayRetry && fl.disk != nil && fl.disk.Has(sk) {
			return claim{}
		}
		if sl, ok := fl.statusAnswer(w); ok {
			return claim{src: sl, tier: tierRAM}
		}
	}
	f := &fetch{key: sk, w: w, ready: make(chan struct{}), hinted: make(chan struct{})}
	fl.m[sk] = f
	fl.start(f)
	return claim{src: f, tier: tierMiss, started: true}
}

// inFlight returns the fetch in flight for sk, without starting one.
func (fl *flights) inFlight(sk string) (claim, bool) {
	fl.mu.Lock()
	defer fl.mu.Unlock()
	if f := fl.m[sk]; f != nil && f.w.cond == nil {
		fl.metrics.collapsed.Inc()
		return claim{src: f, tier: tierMiss}, true
	}
	return claim{}, false
}

// pass starts a private fetch for one request: it is not in the flight
// map and nothing it fetches is stored.
func (fl *flights) pass(w want) claim {
	w.pass = true
	f := &fetch{key: cachekey.SliceKey(w.obj, w.idx), w: w, ready: make(chan struct{}), hinted: make(chan struct{})}
	fl.start(f)
	return claim{src: f, tier: tierMiss, started: true}
}

// revalidateInBackground starts one revalidation of w.cond's slice
// w.idx unless one is running for that version already; the request
// that asked is served the stale copy meanwhile.
func (fl *flights) revalidateInBackground(w want) {
	m := w.cond
	if !m.revalidating.CompareAndSwap(false, true) {
		return
	}
	if c := fl.join(w, cachekey.SliceKey(m.key, w.idx), false, nil); !c.started {
		m.revalidating.Store(false) // a fetch of the slice is already on its way
	}
}

// start runs f on a goroutine of its own, which flights waits for.
func (fl *flights) start(f *fetch) {
	fl.begin()
	go fl.run(f)
}

// statusAnswer returns the fresh status answer (a 404, a 301) cached
// for the object when a slice past the first is wanted: status answers
// are stored as slice 0 whatever slice asked.
func (fl *flights) statusAnswer(w want) (*slice, bool) {
	if w.idx == 0 {
		return nil, false
	}
	sl, ok := fl.ram.Get(w.obj)
	if !ok || sl.meta.status == http.StatusOK {
		return nil, false
	}
	st := sl.meta.st.Load()
	return sl, !st.superseded && fl.now().UnixNano() < st.freshUntil
}

// alias registers f in the flight map under the slice key of the object
// key its answer turned out to belong to (a variant's), so that requests
// for that variant join it.
func (fl *flights) alias(f *fetch, key string) {
	if f.w.pass || key == f.w.obj {
		return
	}
	sk := cachekey.SliceKey(key, f.w.idx)
	fl.mu.Lock()
	if fl.m[sk] == nil {
		fl.m[sk] = f
		f.aliases = append(f.aliases, sk)
	}
	fl.mu.Unlock()
}

// forget takes f out of the flight map once it has ended.
func (fl *flights) forget(f *fetch) {
	if f.w.cond != nil && f.w.cond.revalidating.Load() {
		f.w.cond.revalidating.Store(false)
	}
	if f.w.pass {
		return
	}
	fl.mu.Lock()
	if fl.m[f.key] == f {
		delete(fl.m, f.key)
	}
	for _, k := range f.aliases {
		if fl.m[k] == f {
			delete(fl.m, k)
		}
	}
	fl.mu.Unlock()
}

// markPurged keeps fetches in flight whose slice keys match from storing
// what they fetch.
func (fl *flights) markPurged(match func(sliceKey string) bool) {
	fl.mu.Lock()
	for k, f := range fl.m {
		if match(k) {
			f.purged.Store(true)
		}
	}
	fl.mu.Unlock()
}
