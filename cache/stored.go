package cache

import (
	"encoding/binary"
	"errors"
	"net/http"
	"net/textproto"
	"strings"
	"time"

	"github.com/vodedge/vodedge/cache/freshness"
	"github.com/vodedge/vodedge/cache/policy"
	"github.com/vodedge/vodedge/cache/vary"
)

// stored is the part of an object version that a 304 may replace: the
// origin's response header fields with the times of the exchange, and
// what freshness follows from them under the operator's policy. It is
// immutable; meta.st points at the current one.
type stored struct {
	status   int
	reqTime  time.Time   // request_time (RFC 9111 §4.2.3)
	respTime time.Time   // response_time
	hdr      http.Header // the origin's fields as kept (never modified)

	// Derived from the above by derive.
	initialAge time.Duration // corrected_initial_age
	lifetime   time.Duration // freshness lifetime after the policy
	freshUntil int64         // unix ns: fresh before it
	swr, sie   time.Duration // windows after freshUntil
	sieDefault bool          // sie is the operator's default, not stated
	noStale    bool          // must-revalidate, proxy-revalidate, s-maxage, no-cache
	authOK     bool          // public, s-maxage or must-revalidate (§3.5)
	immutable  bool          // client reloads are ignored while fresh
	pass       bool          // the policy says never store
	statusHit  bool          // a fresh hit carries Cache-Status (rfc policy, or the operator's flag)
	upstream   []byte        // the origin's Cache-Status (upstream caches' members), joined; nil: none
	vary       []string      // nominated request fields, canonical, sorted
	varyStar   bool          // Vary: * (or too many fields)
	send       []field       // fields sent with every response from this version
	superseded bool          // a newer version of the object exists
	// contentType is the Content-Type a 200's responses carry, from the
	// stored fields (a 304 may have replaced the 200's); nil: the meta's.
	contentType []byte
}

// field is a response header field as sent: canonical name, joined value.
type field struct{ name, value []byte }

// fieldsNotSent are the origin's fields a cached response never carries:
// the edge computes them (Content-*, validators from meta, Age, Date,
// Via), or they must not be shared (Set-Cookie).
var fieldsNotSent = map[string]bool{
	"Content-Length": true, "Content-Range": true, "Content-Type": true, "Accept-Ranges": true,
	"Etag": true, "Last-Modified": true, "Date": true, "Age": true, "Server": true, "Via": true,
	"X-Cache": true, "X-Served-By": true, "Cache-Status": true, "Set-Cookie": true, "Transfer-Encoding": true,
	"Trailer": true, "Keep-Alive": true, "Connection": true, HeaderPeerMiss: true,
}

// fieldsNotKept are dropped before storing: they describe the exchange,
// not the representation, and would be wrong when replayed.
var fieldsNotKept = map[string]bool{
	"Content-Length": true, "Content-Range": true, "Set-Cookie": true, "Transfer-Encoding": true, "Trailer": true,
}

// keepHeader returns the fields of an origin answer to store: without
// fieldsNotKept and the fields a qualified no-cache or private names.
func (r *rules) keepHeader(h http.Header) http.Header {
	cc, _ := r.directives(h)
	drop := map[string]bool{}
	for _, f := range append(cc.NoCacheFields, cc.PrivateFields...) {
		drop[textproto.CanonicalMIMEHeaderKey(f)] = true
	}
	out := make(http.Header, len(h))
	for k, v := range h {
		if !fieldsNotKept[k] && !drop[k] {
			out[k] = v
		}
	}
	return out
}

// rules turn a version's stored fields into its freshness under the
// operator's configuration: the policies, heuristic freshness, the
// negative TTL, the default stale windows; and build the fields its
// responses carry, Via with this node. The lookup applies them to
// versions read from disk, the flights to versions fetched or
// revalidated. They hold no state beyond the configuration.
type rules struct {
	policies    policy.Set
	heuristic   freshness.Heuristic
	negativeTTL time.Duration
	swr, sie    time.Duration // the operator's default stale windows
	via         []byte        // this node's Via entry
	targets     []string      // targeted fields obeyed (RFC 9213), most specific first
	strip       map[string]bool
	statusHits  bool // Cache-Status on fresh hits of every path
}

// directives returns the cache directives the edge applies to a
// response with fields h: its first targeted field with a valid value,
// else Cache-Control; targeted reports the former, when Cache-Control
// and Expires are ignored (RFC 9213 §2.2).
func (r *rules) directives(h http.Header) (cc freshness.Directives, targeted bool) {
	return freshness.Select(h.Values, r.targets)
}

func newRules(cfg *Config) rules {
	return rules{
		policies:    cfg.Policies,
		heuristic:   freshness.Heuristic{Fraction: cfg.HeuristicFraction, Max: cfg.HeuristicMax},
		negativeTTL: cfg.NegativeTTL,
		swr:         cfg.StaleWhileRevalidate,
		sie:         cfg.StaleIfError,
		via:         []byte("1.1 " + cfg.NodeName),
		targets:     cfg.targets(),
		strip:       stripped(cfg),
		statusHits:  cfg.CacheStatusOnHits,
	}
}

// stripped returns the fields never sent to clients beyond
// fieldsNotSent: the targeted fields, when the operator says so.
func stripped(cfg *Config) map[string]bool {
	m := map[string]bool{}
	if cfg.StripTargetedCacheControl {
		for _, t := range cfg.targets() {
			m[t] = true
		}
	}
	return m
}

// derive computes st's freshness from its fields, for the object at url
// (the policy's key) last modified at lastMod.
func (r *rules) derive(st *stored, url string, lastMod time.Time) {
	h := st.hdr
	cc, targeted := r.directives(h)
	resp := freshness.Response{Status: st.status, CC: cc, Date: st.respTime, LastModified: lastMod}
	if d, ok := freshness.ParseDate(h.Get("Date")); ok {
		resp.Date = d
	}
	if v := h.Values("Expires"); len(v) > 0 && !targeted {
		resp.Expires, _ = freshness.ParseDate(v[0])
		resp.ExpiresSet = true
	}
	age, _ := freshness.ParseDelta(h.Get("Age"))
	st.initialAge = freshness.InitialAge(age, resp.Date, st.reqTime, st.respTime)
	lifetime, src := freshness.Lifetime(&resp, r.heuristic)
	rule := r.policies.Lookup(keyPath(url))
	st.noStale = cc.MustRevalidate || cc.ProxyRevalidate || cc.SMaxAge != freshness.Absent || src == freshness.FromNoCache
	st.authOK = cc.Public || cc.SMaxAge != freshness.Absent || cc.MustRevalidate
	st.immutable = cc.Immutable
	start := st.respTime.Add(-st.initialAge)
	st.pass = rule.Kind == policy.Pass
	st.statusHit = r.statusHits || rule.Kind == policy.RFC
	switch {
	case st.status != http.StatusOK:
		// Policies are for representations; an error answer for a
		// segment name must not live for the segment's 30 days.
		if !src.Explicit() && (st.status == http.StatusNotFound || st.status == http.StatusGone) {
			lifetime = r.negativeTTL
		}
	case rule.Kind == policy.Immutable:
		lifetime, start, st.immutable, st.noStale = rule.TTL, st.respTime, true, false
	default:
		lifetime = rule.Clamp(lifetime)
	}
	st.lifetime = lifetime
	st.freshUntil = start.Add(lifetime).UnixNano()
	if rule.Kind == policy.Origin && st.status == http.StatusOK {
		// The floor counts from the response's arrival: a Date rounded to
		// the second, or an upstream Age, must not eat a 1 s floor.
		st.freshUntil = max(st.freshUntil, st.respTime.Add(rule.Min).UnixNano())
	}
	r.staleWindows(st, cc, rule)
	if st.status >= 500 {
		st.swr, st.sie = 0, 0 // a server error is never served stale
	}
	if ra, ok := freshness.ParseRetryAfter(h.Get("Retry-After"), resp.Date); ok && st.status != http.StatusOK {
		// An error answer is not kept beyond the origin's Retry-After.
		st.freshUntil = min(st.freshUntil, st.respTime.Add(ra).UnixNano())
		st.swr, st.sie = 0, 0
	}
	st.vary, st.varyStar = vary.Parse(h.Values("Vary"))
	st.send = r.sendFields(h)
	if v := h.Values("Cache-Status"); len(v) > 0 {
		st.upstream = []byte(strings.Join(v, ", "))
	}
	if v := h.Get("Content-Type"); v != "" && st.status == http.StatusOK {
		st.contentType = []byte(contentType(keyPath(url), v))
	}
}

// staleWindows sets how long after expiry st may be served stale: the
// origin's directive, else the policy's, else the operator's default. A
// directive that forbids stale answers (must-revalidate and kin) leaves
// only what the policy states explicitly.
func (r *rules) staleWindows(st *stored, cc freshness.Directives, rule *policy.Rule) {
	pick := func(origin, fromRule, def time.Duration) (time.Duration, bool) {
		switch {
		case fromRule != policy.Unset && (st.noStale || origin == freshness.Absent):
			return fromRule, false
		case st.noStale:
			return 0, false
		case origin != freshness.Absent:
			return origin, false
		}
		return def, true
	}
	st.swr, _ = pick(cc.StaleWhileRevalidate, rule.SWR, r.swr)
	st.sie, st.sieDefault = pick(cc.StaleIfError, rule.SIE, r.sie)
}

// sendFields builds the fields every response of this version carries.
func (r *rules) sendFields(h http.Header) []field {
	var out []field
	for k, v := range h {
		if fieldsNotSent[k] || r.strip[k] || len(v) == 0 {
			continue
		}
		val := v[0]
		for _, more := range v[1:] {
			val += ", " + more
		}
		out = append(out, field{[]byte(k), []byte(val)})
	}
	via := r.via
	if v := h.Values("Via"); len(v) > 0 {
		joined := v[0]
		for _, more := range v[1:] {
			joined += ", " + more
		}
		via = []byte(joined + ", " + string(r.via))
	}
	return append(out, field{hdrVia, via})
}

// age returns the object's current age at now (unix ns), RFC 9111
// §4.2.3.
func (st *stored) age(now int64) time.Duration {
	return st.initialAge + time.Duration(now-st.respTime.UnixNano())
}

// merged returns the fields of st updated from a 304's (as keepHeader
// kept them), as RFC 9111 §3.2 says: every field of the 304 replaces the
// stored one of that name, except those describing the 304 message
// itself (keepHeader drops them) and the validators, which the 304
// matched. Content-Type and Content-Encoding are updated too: the edge
// stores the bytes as received, not a decoded or parsed form, so the
// integrity exception of §3.2 does not apply.
func (st *stored) merged(from http.Header) http.Header {
	out := make(http.Header, len(st.hdr)+len(from))
	for k, v := range st.hdr {
		out[k] = v
	}
	for k, v := range from {
		if k != "Etag" && k != "Last-Modified" {
			out[k] = v
		}
	}
	return out
}

// Persisted form of a stored (disktier.Record.Meta): a version byte,
// flags (1: superseded), the status, the request and response times, the
// kept fields and the request fields a variant was fetched with.
const storedVersion = 1

// maxStoredBytes keeps the encoded state within the disk tier's limit;
// beyond it only the fields freshness needs are kept.
const maxStoredBytes = 12 << 10

// essentialFields are kept when an object's fields do not fit.
var essentialFields = []string{"Cache-Control", "Expires", "Date", "Age", "Vary", "Location", "Content-Encoding"}

func encodeStored(st *stored, fwd http.Header) []byte {
	b := appendStored(nil, st, st.hdr, fwd)
	if len(b) <= maxStoredBytes {
		return b
	}
	small := http.Header{}
	for _, k := range essentialFields {
		if v := st.hdr.Values(k); len(v) > 0 {
			small[k] = v
		}
	}
	if b = appendStored(nil, st, small, nil); len(b) > maxStoredBytes {
		return nil
	}
	return b
}

func appendStored(b []byte, st *stored, hdr, fwd http.Header) []byte {
	b = append(b, storedVersion)
	flags := byte(0)
	if st.superseded {
		flags |= 1
	}
	b = append(b, flags)
	b = binary.AppendUvarint(b, uint64(st.status))
	b = binary.AppendVarint(b, st.reqTime.UnixNano())
	b = binary.AppendVarint(b, st.respTime.UnixNano())
	b = appendFields(b, hdr)
	return appendFields(b, fwd)
}

func appendFields(b []byte, h http.Header) []byte {
	n := 0
	for _, v := range h {
		n += len(v)
	}
	b = binary.AppendUvarint(b, uint64(n))
	for k, vs := range h {
		for _, v := range vs {
			b = appendStr(appendStr(b, k), v)
		}
	}
	return b
}

func appendStr(b []byte, s string) []byte {
	return append(binary.AppendUvarint(b, uint64(len(s))), s...)
}

var errBadStored = errors.New("cache: undecodable stored state")

// decodeStored parses encodeStored's output; it never panics.
func decodeStored(b []byte) (st *stored, fwd http.Header, err error) {
	d := storedDecoder{b: b}
	if d.byte() != storedVersion {
		return nil, nil, errBadStored
	}
	flags := d.byte()
	st = &stored{superseded: flags&1 != 0, status: int(d.uvarint())}
	st.reqTime = time.Unix(0, d.varint())
	st.respTime = time.Unix(0, d.varint())
	st.hdr = d.fields()
	fwd = d.fields()
	if d.bad || len(d.b) != 0 || st.status < 100 || st.status > 999 {
		return nil, nil, errBadStored
	}
	if len(fwd) == 0 {
		fwd = nil
	}
	return st, fwd, nil
}

type storedDecoder struct {
	b   []byte
	bad bool
}

func (d *storedDecoder) byte() byte {
	if len(d.b) == 0 {
		d.bad = true
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *storedDecoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *storedDecoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.bad, d.b = true, nil
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *storedDecoder) str() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.bad, d.b = true, nil
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}

func (d *storedDecoder) fields() http.Header {
	n := d.uvarint()
	if n > uint64(len(d.b))/2 {
		d.bad, d.b = true, nil
		return nil
	}
	h := make(http.Header, n)
	for range n {
		k, v := d.str(), d.str()
		if d.bad {
			return nil
		}
		k = textproto.CanonicalMIMEHeaderKey(k)
		h[k] = append(h[k], v)
	}
	return h
}
