package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/policy"
	"github.com/vodedge/vodedge/internal/bytesize"
)

// httpCacheOpts are the edge's HTTP caching flags (RFC 9111, RFC 5861).
type httpCacheOpts struct {
	rules       policyRules
	sie, swr    days
	heurMax     days
	maxBody     bytesize.Size
	forwardHdrs []string
}

func (h *httpCacheOpts) bind(f *pflag.FlagSet, cfg *cache.Config) {
	f.Var(&h.rules, "cache-policy", `freshness rule PATTERN=KIND[:PARAMS], repeatable, checked in order before the defaults (media segments *.m4s, *.ts, *.mp4, … immutable:30d; *.m3u8 and *.mpd origin:min=1s,max=10s); first match wins. KIND: rfc (the origin's headers), origin:min=D,max=D (clamped), immutable:D (fresh for D whatever the origin says), pass (never stored); params swr=D, sie=D set stale windows; the flag query puts the query string into the key (none by default). e.g. '/live/*=origin:max=2s,swr=2s', '/api/*=rfc,query'; '*=rfc' turns the defaults off`)
	h.sie = days(cfg.StaleIfError)
	f.Var(&h.sie, "stale-if-error", "serve a stale copy this long past its freshness while the origin is down or answering 5xx, unless the origin said otherwise (must-revalidate, stale-if-error); 0: never")
	h.swr = days(cfg.StaleWhileRevalidate)
	f.Var(&h.swr, "stale-while-revalidate", "serve a stale copy this long past its freshness while one background request revalidates it, unless the origin said otherwise; 0: only when the origin says")
	f.Float64Var(&cfg.HeuristicFraction, "heuristic-fraction", cfg.HeuristicFraction, "freshness of a response without Cache-Control or Expires, as a fraction of its age since Last-Modified (RFC 9111 §4.2.2); 0: none")
	h.heurMax = days(cfg.HeuristicMax)
	f.Var(&h.heurMax, "heuristic-max", "upper bound of heuristic freshness")
	f.BoolVar(&cfg.HonorClientCacheControl, "honor-client-cache-control", cfg.HonorClientCacheControl, "obey players' Cache-Control/Pragma (no-cache, max-age=0, …); off: a reload never reaches the origin (only-if-cached is always obeyed)")
	f.BoolVar(&cfg.CDNCacheControl, "cdn-cache-control", cfg.CDNCacheControl, "obey an origin's CDN-Cache-Control (RFC 9213) instead of its Cache-Control and Expires when it is a valid dictionary")
	f.StringVar(&cfg.TargetedCacheControl, "targeted-cache-control", cfg.TargetedCacheControl, "a response field targeted at this node (e.g. Vodedge-CDN-Cache-Control), obeyed before CDN-Cache-Control and Cache-Control")
	f.BoolVar(&cfg.StripTargetedCacheControl, "strip-targeted-cache-control", cfg.StripTargetedCacheControl, "do not pass the targeted fields this node obeys on to clients")
	f.BoolVar(&cfg.CacheStatusKey, "cache-status-key", cfg.CacheStatusKey, "add the cache key to every Cache-Status field (RFC 9211 key parameter), for debugging")
	f.BoolVar(&cfg.CacheStatusOnHits, "cache-status-hits", cfg.CacheStatusOnHits, "send Cache-Status on fresh hits of every path too (paths under an rfc rule always carry it; elsewhere X-Cache names a hit)")
	f.IntVar(&cfg.MaxVariants, "max-variants", cfg.MaxVariants, "variants stored per URL for responses with Vary")
	h.forwardHdrs = cfg.ForwardHeaders
	f.StringSliceVar(&h.forwardHdrs, "forward-headers", cfg.ForwardHeaders, "request fields sent to the origin on a miss so it can pick a variant (fields a Vary names are sent as well)")
	f.BoolVar(&cfg.ForwardUnsafe, "forward-unsafe", cfg.ForwardUnsafe, "pass POST, PUT, DELETE and PATCH to an HTTP origin and invalidate the target on success; off: 405")
	h.maxBody = bytesize.Size(cfg.MaxRequestBodyBytes)
	f.Var(&h.maxBody, "max-request-body", "largest body of a forwarded request (413 beyond it)")
}

// apply moves the parsed flags into cfg.
func (h *httpCacheOpts) apply(cfg *cache.Config) error {
	set, err := policy.ParseSet(append(h.rules.rules, policy.DefaultRules...))
	if err != nil {
		return fmt.Errorf("--cache-policy: %w", err)
	}
	cfg.Policies = set
	cfg.StaleIfError, cfg.StaleWhileRevalidate, cfg.HeuristicMax = time.Duration(h.sie), time.Duration(h.swr), time.Duration(h.heurMax)
	cfg.ForwardHeaders, cfg.MaxRequestBodyBytes = h.forwardHdrs, int(h.maxBody)
	return nil
}

// policyRules is the repeatable --cache-policy flag. A YAML list in the
// config file arrives comma-joined and is split back into rules.
type policyRules struct{ rules []string }

func (p *policyRules) String() string { return strings.Join(p.rules, " ") }
func (p *policyRules) Type() string   { return "rule" }

func (p *policyRules) Set(s string) error {
	for _, r := range policy.SplitList(s) {
		if _, err := policy.Parse(r); err != nil {
			return err
		}
		p.rules = append(p.rules, strings.TrimSpace(r))
	}
	return nil
}

// days is a duration flag that also takes days ("30d", "1d12h").
type days time.Duration

func (d *days) String() string { return time.Duration(*d).String() }
func (d *days) Type() string   { return "duration" }

func (d *days) Set(s string) error {
	v, err := policy.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = days(v)
	return nil
}
