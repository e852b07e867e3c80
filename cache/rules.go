package cache

import (
	"net/http"
	"time"

	"github.com/vodedge/vodedge/cache/freshness"
	"github.com/vodedge/vodedge/cache/policy"
	"github.com/vodedge/vodedge/cache/vary"
)

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
}

func newRules(cfg *Config) rules {
	return rules{
		policies:    cfg.Policies,
		heuristic:   freshness.Heuristic{Fraction: cfg.HeuristicFraction, Max: cfg.HeuristicMax},
		negativeTTL: cfg.NegativeTTL,
		swr:         cfg.StaleWhileRevalidate,
		sie:         cfg.StaleIfError,
		via:         []byte("1.1 " + cfg.NodeName),
	}
}

// derive computes st's freshness from its fields, for the object at url
// (the policy's key) last modified at lastMod.
func (r *rules) derive(st *stored, url string, lastMod time.Time) {
	h := st.hdr
	cc := freshness.Parse(h.Values("Cache-Control")...)
	resp := freshness.Response{Status: st.status, CC: cc, Date: st.respTime, LastModified: lastMod}
	if d, ok := freshness.ParseDate(h.Get("Date")); ok {
		resp.Date = d
	}
	if v := h.Values("Expires"); len(v) > 0 {
		resp.Expires, _ = freshness.ParseDate(v[0])
		resp.ExpiresSet = true
	}
	age, _ := freshness.ParseDelta(h.Get("Age"))
	st.initialAge = freshness.InitialAge(age, resp.Date, st.reqTime, st.respTime)
	lifetime, src := freshness.Lifetime(&resp, r.heuristic)
	rule := r.policies.Lookup(url)
	st.noStale = cc.MustRevalidate || cc.ProxyRevalidate || cc.SMaxAge != freshness.Absent || src == freshness.FromNoCache
	st.authOK = cc.Public || cc.SMaxAge != freshness.Absent || cc.MustRevalidate
	st.immutable = cc.Immutable
	start := st.respTime.Add(-st.initialAge)
	st.pass = rule.Kind == policy.Pass
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
	st.vary, st.varyStar = vary.Parse(h.Values("Vary"))
	st.send = r.sendFields(h)
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
		if fieldsNotSent[k] || len(v) == 0 {
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
