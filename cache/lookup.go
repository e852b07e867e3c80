package cache

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"weak"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/freshness"
	"github.com/vodedge/vodedge/cache/policy"
	"github.com/vodedge/vodedge/cache/ramtier"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/origin"
)

// tiers is the lookup across the cache's tiers. It owns the RAM tier,
// the disk tier (given to it; the caller closes it), the current version
// of each object (versions), what each URL varies on (vary), and the
// promoter that moves popular disk slices into RAM. Its entry point,
// find, gives a request the slice its response starts from as one
// result: found in RAM or on disk and judged fresh, served stale or
// revalidated (stale.go), or fetched. What the tiers do not hold it
// hands to the flights, which own every origin request; acquire gives a
// response under way its next slices the same way.
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
	memfds      memfdSizes // the promoted slices that go to a memfd
	maxVariants int
	forward     []string // request fields forwarded on a miss (Config.ForwardHeaders)

	promotions chan *disktier.Record // disk hits queued for the promoter; nil: no disk, or no RAM tier to promote to
	bg         sync.WaitGroup        // the promoter
}

// query is what a request asks of the cache. The handler fills it from
// the request; the lookup reads it and refines obj and pass as it learns
// (a variant's key, an answer that must not be shared), and keeps in out
// how the cache has answered so far.
type query struct {
	hdr   *fasthttp.RequestHeader // the request's fields: variants and forwarding
	key   string                  // the URL's cache key
	obj   string                  // the object's key: key, or its variant's when it varies
	first int64                   // the first byte asked for (a Range hint), or 0
	now   int64                   // unix ns, for freshness
	// cachedOnly answers from the RAM tier, the disk tier or a fetch in
	// flight, never starting an origin fetch (peer requests to a node
	// that does not own the object).
	cachedOnly bool
	peer       bool // from the peer listener: its Authorization is the cluster's
	// inLoop answers from a fresh slice found in memory or not at all
	// (errWouldBlock): the event loop's requests, which must not wait.
	inLoop bool
	head   bool // a HEAD request
	// early, when set, is the connection a miss forwards the origin's
	// 103 Early Hints to while it waits (public GET and HEAD requests).
	early *fasthttp.RequestCtx

	plain        bool                  // no Authorization, no honoured directives: the fast path
	auth         bool                  // carries Authorization (RFC 9111 §3.5)
	rcc          *freshness.Directives // the client's Cache-Control, when honoured
	onlyIfCached bool
	noStore      bool
	pass         bool    // fetched privately: not shared, not stored
	out          outcome // how the cache answered

	// For Cache-Status (RFC 9211): why the origin was asked, its
	// answer's status, whether the answer was stored, and whether this
	// request joined a fetch another one started.
	fwd       fwdReason
	fwdStatus int
	stored    bool
	collapsed bool
	// cookies are the Set-Cookie fields of the answer to the fetch this
	// request started, when that answer is stored or shared.
	cookies []string
}

// result is what a lookup found for a query: the slice the response
// starts from (src, at object offset off, of version m), the tier that
// counts as having served it, how the cache answered; or the error that
// ends the request (src is then nil).
type result struct {
	src  source
	m    *meta
	off  int64
	tier tier
	out  outcome
	err  error
}

// settle waits for what a claim on a slice gives a request.
func settle(c claim) result {
	m, off, err := c.src.wait()
	return result{src: c.src, tier: c.tier, m: m, off: off, err: err}
}

// failure is a result that ends the request with err.
func failure(err error) result { return result{tier: tierMiss, err: err} }

// maxLookups bounds the lookups of one request: a variant learned, a
// revalidation that refreshed the copy, a shared fetch that turned out
// private. Past it the request is passed to the origin.
const maxLookups = 4

// find is the lookup's entry point: it returns the slice the response
// starts from (the one holding the first requested byte, so that a
// range deep in a large object fetches nothing before it), judged fresh,
// revalidated or fetched.
func (t *tiers) find(q *query) result {
	idx := q.first / t.sliceBytes
	r := t.findSlice(q, idx)
	if idx > 0 && errors.Is(r.err, origin.ErrRangeNotSatisfiable) {
		// The hint was past the end: learn the size from slice 0 so that
		// the Range header is judged (416, or 200 under If-Range) properly.
		r = t.findSlice(q, 0)
	}
	r.out = q.out
	return r
}

func (t *tiers) findSlice(q *query, idx int64) result {
	for range maxLookups {
		if r, again := t.findOnce(q, idx); !again {
			return r
		}
	}
	q.pass = true
	r, _ := t.findOnce(q, idx)
	return r
}

// findOnce makes one lookup; a true second result asks for another with
// what it learned (q.obj, q.pass).
func (t *tiers) findOnce(q *query, idx int64) (result, bool) {
	if q.inLoop {
		return t.loopHit(q, idx), false
	}
	if q.pass {
		q.out = outPass
		if q.fwd == fwdNone {
			q.fwd = fwdBypass
		}
		r := settle(t.fl.pass(t.want(q, q.obj, idx)))
		if r.err == nil {
			q.fwdStatus = r.m.status
		}
		return r, false
	}
	sk := cachekey.SliceKey(q.obj, idx)
	if r, ok := t.cached(sk); ok {
		st := r.m.st.Load()
		if q.plain && !st.superseded && q.now < st.freshUntil {
			q.out = outHit
			return r, false
		}
		if !st.superseded {
			return t.judge(q, r, st, idx, sk)
		}
	}
	return t.miss(q, idx, sk)
}

// loopHit is findOnce for the event loop: a plain request's fresh hit
// from memory (a RAM-tier slice, or a disk slice whose record the disk
// tier holds in memory), or
// errWouldBlock for anything that would need to read the disk's index,
// the origin, a revalidation or a judgement of staleness. Whether a disk
// slice's bytes can be sent without waiting, and whether the read is
// sampled for verification, is the response's to find (sendInLoop),
// which counts the disk access when it answers.
func (t *tiers) loopHit(q *query, idx int64) result {
	if !q.plain || q.pass {
		return result{err: errWouldBlock}
	}
	sk := cachekey.SliceKey(q.obj, idx)
	r, ok := t.resident(sk)
	if !ok {
		return result{err: errWouldBlock}
	}
	if st := r.m.st.Load(); st.superseded || q.now >= st.freshUntil {
		return result{err: errWouldBlock}
	}
	q.out = outHit
	return r
}

// resident is cached from memory only: the RAM tier, then the disk
// tier's record cache (no access counted there).
func (t *tiers) resident(sk string) (result, bool) {
	if sl, ok := t.ram.Get(sk); ok {
		return result{src: sl, tier: tierRAM, m: sl.meta, off: sl.off}, true
	}
	if t.disk == nil {
		return result{}, false
	}
	rec, ok := t.disk.LookupResident(sk)
	if !ok {
		return result{}, false
	}
	d := &diskSlice{store: t.disk, rec: rec, meta: t.recordMeta(rec)}
	return result{src: d, tier: tierDisk, m: d.meta, off: rec.Offset}, true
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

// holds reports whether slice idx of obj is in the RAM or the disk
// tier, without counting an access.
func (t *tiers) holds(obj string, idx int64) bool {
	sk := cachekey.SliceKey(obj, idx)
	return t.ram.Has(sk) || t.disk != nil && t.disk.Has(sk)
}

// miss fetches a slice nothing cached can answer, or joins its fetch.
func (t *tiers) miss(q *query, idx int64, sk string) (result, bool) {
	switch {
	case q.cachedOnly:
		if c, ok := t.fl.inFlight(sk); ok {
			return t.joined(q, c)
		}
		return failure(errPeerMiss), false
	case q.onlyIfCached:
		return failure(errOnlyIfCached), false
	case q.noStore:
		q.pass, q.fwd = true, fwdRequest
		return result{}, true
	case q.head && !t.fillOnHead(q.key):
		// Nothing stored: the HEAD goes to the origin as a HEAD.
		q.pass, q.fwd = true, fwdURIMiss
		return result{}, true
	case q.auth:
		q.pass = true
		return result{}, true
	case q.obj == q.key && t.varyFromDisk(q.key):
		if k := t.objectKey(q); k != q.obj {
			q.obj = k
			return result{}, true
		}
	}
	if q.fwd == fwdNone {
		q.fwd = fwdURIMiss
		if q.obj != q.key || t.vary.lookup(q.key) != nil {
			q.fwd = fwdVaryMiss
		}
	}
	w := t.want(q, q.obj, idx)
	var c claim
	for attempt := 0; ; attempt++ {
		if c = t.fl.join(w, sk, attempt == 0, nil); c.src != nil {
			break
		}
		if r, ok := t.cached(sk); ok && r.m.usableFor(nil) {
			return t.judge(q, r, r.m.st.Load(), idx, sk)
		}
	}
	if _, ok := c.src.(*fetch); !ok { // a copy that arrived meanwhile, or a status answer cached as slice 0
		q.out = outHit
		return settle(c), false
	}
	return t.joined(q, c)
}

// joined waits for a fetch's answer and checks it may serve q: a private
// answer serves only the request that started the fetch, and an answer
// that varies serves the requests of its variant.
func (t *tiers) joined(q *query, c claim) (result, bool) {
	f, _ := c.src.(*fetch)
	if f != nil && q.early != nil {
		f.waitHints(func(links []string) { sendEarlyHints(q.early, links) })
	}
	r := settle(c)
	if f != nil {
		q.collapsed, q.stored = !c.started, f.stored
		if r.err == nil {
			q.fwdStatus = r.m.status
		}
		if c.started {
			q.cookies = f.cookies
		}
	}
	switch {
	case errors.Is(r.err, errNotModified):
		return result{}, true // the copy it revalidated is fresh again
	case r.err != nil:
		q.out = outMiss
		return r, false
	case f != nil && !f.shared && !c.started:
		q.pass = true
		return result{}, true
	}
	if k := keyFor(q, r.m); k != r.m.key && f != nil && f.stored {
		q.obj = k
		return result{}, true
	}
	if q.out == outNone {
		q.out = outMiss
	}
	return r, false
}

// keyFor returns the object key q's answer belongs under given the
// answer's Vary.
func keyFor(q *query, m *meta) string {
	st := m.st.Load()
	if len(st.vary) == 0 {
		return m.url
	}
	return variantKey(m.url, st.vary, requestFields(q.hdr))
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
	w := want{obj: obj, url: urlOf(obj), idx: idx, pass: q.pass, head: q.pass && q.head, auth: q.pass && q.auth}
	if q.pass && !q.peer {
		w.hdr = passFields(q.hdr)
	} else {
		w.hdr = forwardFields(q.hdr, t.forward, t.vary.lookup(w.url))
	}
	return w
}

// fillOnHead reports whether a HEAD for key that finds nothing stored
// fetches the object's first slice with a GET, to answer the GET that
// usually follows from the cache: for paths the policy holds immutable
// (media segments). Elsewhere a HEAD goes to the origin as a HEAD.
func (t *tiers) fillOnHead(key string) bool {
	return t.rules.policies.Lookup(keyPath(urlOf(key))).Kind == policy.Immutable
}

// passFields returns a passed request's end-to-end fields.
func passFields(h *fasthttp.RequestHeader) http.Header {
	out := http.Header{}
	for k, v := range h.All() {
		out.Add(string(k), string(v))
	}
	return out
}

func (t *tiers) init(cfg *Config, ram *ramtier.Tier[*slice], disk *disktier.Store, r *rules, fl *flights, m *metrics, log *slog.Logger) {
	t.ram, t.disk, t.rules, t.fl, t.metrics, t.log = ram, disk, r, fl, m, log
	t.versions.m = make(map[string]weak.Pointer[meta])
	t.vary.m = make(map[string]*varySpec)
	t.sliceBytes, t.memfds = cfg.SliceBytes, memfdSpan(cfg)
	if disk != nil && cfg.RAMBytes > 0 {
		t.promotions = make(chan *disktier.Record, 256)
	}
	t.maxVariants, t.forward = cfg.MaxVariants, cfg.ForwardHeaders
}

// memfdSizes is the span of sizes of the RAM-tier slices kept in a
// memfd (Config.MemfileMinBytes, MemfileMaxBytes); min 0: none.
type memfdSizes struct{ min, max int64 }

func (m memfdSizes) holds(n int64) bool {
	return m.min > 0 && n >= m.min && (m.max == 0 || n <= m.max)
}

// memfdSpan is the span of cfg's RAM-tier slices kept in a memfd.
func memfdSpan(cfg *Config) memfdSizes {
	if cfg.RAMBytes == 0 {
		return memfdSizes{}
	}
	return memfdSizes{cfg.MemfileMinBytes, cfg.MemfileMaxBytes}
}

// start runs the promoter until ctx is done; stop waits for it and
// releases the RAM tier.
func (t *tiers) start(ctx context.Context) {
	if t.promotions == nil {
		return
	}
	t.bg.Add(1)
	go t.promoter(ctx)
}

func (t *tiers) stop() {
	t.bg.Wait()
	t.ram.Close()
}
