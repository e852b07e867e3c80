package cache

import (
	"net/http"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/vary"
	"github.com/vodedge/vodedge/internal/cachekey"
)

// variantSep separates a URL's key from a variant's hash in an object
// key; cachekey never lets a control character into a key, so it cannot
// collide with a path.
const variantSep = "\x01"

// maxVarySpecs bounds the URLs whose Vary this node remembers; past it a
// spec is forgotten at random (the next miss learns it again).
const maxVarySpecs = 1 << 16

// varySpecs remembers, for each URL whose responses carry Vary, the
// request fields they vary on and the variants stored, so that a request
// finds its variant's key before looking anything up. n counts entries,
// so that a node whose origin never varies pays one atomic load per
// request.
type varySpecs struct {
	n  atomic.Int64
	mu sync.RWMutex
	m  map[string]*varySpec // protected by mu
}

type varySpec struct {
	names    []string
	variants map[string]bool // variant keys admitted, at most MaxVariants
}

func (v *varySpecs) lookup(url string) []string {
	if v.n.Load() == 0 {
		return nil
	}
	v.mu.RLock()
	defer v.mu.RUnlock()
	if sp := v.m[url]; sp != nil {
		return sp.names
	}
	return nil
}

// learn records that url varies on names; it reports whether the
// variant key may be stored (at most limit variants per URL).
func (v *varySpecs) learn(url string, names []string, key string, limit int) bool {
	v.mu.Lock()
	defer v.mu.Unlock()
	sp := v.m[url]
	if sp == nil || !slices.Equal(sp.names, names) {
		if sp == nil && len(v.m) >= maxVarySpecs {
			for k := range v.m {
				delete(v.m, k)
				break
			}
		}
		sp = &varySpec{names: names, variants: map[string]bool{}}
		v.m[url] = sp
		v.n.Store(int64(len(v.m)))
	}
	if !sp.variants[key] && len(sp.variants) >= limit {
		return false
	}
	sp.variants[key] = true
	return true
}

// forget drops url's spec: its responses no longer vary.
func (v *varySpecs) forget(url string) {
	if v.n.Load() == 0 {
		return
	}
	v.mu.Lock()
	delete(v.m, url)
	v.n.Store(int64(len(v.m)))
	v.mu.Unlock()
}

// variantKey returns the object key of url's variant for a request
// whose fields get returns.
func variantKey(url string, names []string, get func(string) []string) string {
	return url + variantSep + vary.Key(names, get)
}

// requestFields returns a getter of a request's field lines.
func requestFields(h *fasthttp.RequestHeader) func(string) []string {
	return func(name string) []string {
		var out []string
		for _, v := range h.PeekAll(name) {
			out = append(out, string(v))
		}
		return out
	}
}

// objectKey returns the key q's object is cached under: its variant's
// when its URL is known to vary.
func (t *tiers) objectKey(q *query) string {
	names := t.vary.lookup(q.key)
	if names == nil {
		return q.key
	}
	return variantKey(q.key, names, requestFields(q.hdr))
}

// varyFromDisk learns url's Vary spec from a stored variant after a
// restart; it reports whether it found one.
func (t *tiers) varyFromDisk(url string) bool {
	if t.disk == nil {
		return false
	}
	r, ok := t.disk.First(url + variantSep)
	if !ok {
		return false
	}
	m := t.recordMeta(r)
	st := m.st.Load()
	if len(st.vary) == 0 || cachekey.ObjectKey(r.Key) != m.key {
		return false
	}
	t.vary.learn(url, st.vary, m.key, t.maxVariants)
	return true
}

// forwardFields returns the request fields sent with a fetch: the
// configured ones and those the URL's responses vary on (names).
func forwardFields(h *fasthttp.RequestHeader, configured, names []string) http.Header {
	var out http.Header
	add := func(name string) {
		if out[name] != nil {
			return
		}
		for _, v := range h.PeekAll(name) {
			if out == nil {
				out = http.Header{}
			}
			out[name] = append(out[name], string(v))
		}
	}
	for _, n := range configured {
		add(n)
	}
	for _, n := range names {
		add(n)
	}
	return out
}

// variantFields returns the fields of h that names nominate: a variant's
// identity, replayed when it is revalidated.
func variantFields(h http.Header, names []string) http.Header {
	if len(names) == 0 {
		return nil
	}
	out := http.Header{}
	for _, n := range names {
		if v := h.Values(n); len(v) > 0 {
			out[n] = v
		}
	}
	return out
}
