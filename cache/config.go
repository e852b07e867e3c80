package cache

import (
	"errors"
	"fmt"
	"net/textproto"
	"slices"
	"strings"
	"time"

	"github.com/vodedge/vodedge/cache/freshness"
	"github.com/vodedge/vodedge/cache/policy"
)

// MaxEventLoops bounds Config.EventLoops.
const MaxEventLoops = 256

// Config is the edge node's serving configuration. Start from
// DefaultConfig and change what you need; New validates it.
type Config struct {
	// NodeName and Site identify the node in logs and headers.
	NodeName, Site string

	// RAMBytes is the RAM tier's capacity in bytes; 0 turns it off (the
	// disk tier, or the origin, serves everything).
	RAMBytes int64
	// SliceBytes is the unit of origin fetches and of RAM entries: objects
	// are fetched and cached as aligned slices of this size, so a range
	// deep inside a large object costs one slice, not the bytes before it.
	SliceBytes int64
	// NegativeTTL is how long an origin 404 or 410 is remembered when it
	// carries no freshness of its own (Cache-Control, Expires).
	NegativeTTL time.Duration
	// CORSOrigin is sent as Access-Control-Allow-Origin to browsers'
	// cross-origin requests ("*" by default: segments are public, tokens
	// protect them); "" sends no CORS headers.
	CORSOrigin string
	// MemfileMinBytes and MemfileMaxBytes: RAM-tier slices of sizes
	// within them keep their bytes in a sealed memfd and are sent with
	// sendfile; others stay Go slices written with writev. Min 0 keeps
	// everything on the heap, max 0 sets no upper bound; see "Zero-copy
	// RAM hits" in doc.go.
	MemfileMinBytes, MemfileMaxBytes int64

	// ReadTimeout bounds reading one request's headers; IdleTimeout bounds
	// a keep-alive connection waiting for the next request.
	ReadTimeout, IdleTimeout time.Duration
	// WriteTimeout bounds writing a small response. A larger body gets
	// WriteTimeout plus its length at MinClientRate bytes/s, so a slow
	// client on a big segment is not cut off while a stalled one is.
	WriteTimeout  time.Duration
	MinClientRate int64
	// MaxHeaderBytes bounds a request's header block (431 beyond it).
	MaxHeaderBytes int
	// MaxConns bounds the connections the public listeners hold open
	// together (a refused one gets 503); MaxConnsPerClient bounds those
	// of one IPv4 address or IPv6 /64 (429). 0 means no limit. Enforced
	// by internal/connlimit, which keeps sendfile and writev (fasthttp's
	// MaxConnsPerIP does not).
	MaxConns, MaxConnsPerClient int
	// ShutdownTimeout bounds how long Shutdown waits for in-flight
	// responses before closing connections.
	ShutdownTimeout time.Duration
	// EventLoops, when above 0, serves plain-TCP connections of the
	// public listener from that many event loops of the edge's own
	// (cache/evloop, each a goroutine that keeps its CPU while busy):
	// fresh hits found in memory (RAM slices, disk slices in the page
	// cache) are answered there, a request that could block is handed
	// to fasthttp's server, and its connection comes back once answered.
	// 0 (DefaultConfig's) serves every connection with fasthttp's
	// server; the edge command's default is one per CPU. See "Event
	// loops" in doc.go.
	EventLoops int

	// HTTP caching (RFC 9111, RFC 5861); see "Freshness" in doc.go.

	// Policies decide freshness per path; the first matching rule wins
	// and a path none matches follows the RFC. DefaultConfig holds
	// policy.Defaults(): segments immutable for 30 days, playlists by
	// the origin within 1 s..10 s.
	Policies policy.Set
	// HeuristicFraction of the time since Last-Modified is the freshness
	// of a response without explicit freshness (RFC 9111 §4.2.2), at most
	// HeuristicMax. 0 turns heuristic freshness off.
	HeuristicFraction float64
	HeuristicMax      time.Duration
	// StaleIfError is how long past its freshness a copy may still be
	// served while the origin is failing (unreachable, timing out,
	// answering 5xx), when neither the origin nor a policy says. It does
	// not override must-revalidate, proxy-revalidate, s-maxage or
	// no-cache.
	StaleIfError time.Duration
	// StaleWhileRevalidate is how long past its freshness a copy is
	// served while one background request revalidates it, when neither
	// the origin nor a policy says.
	StaleWhileRevalidate time.Duration
	// HonorClientCacheControl makes the edge obey players' request
	// directives (no-cache, max-age=0, min-fresh, max-stale, no-store, and
	// Pragma: no-cache). Off by default: a player's reload would otherwise
	// turn into an origin request per player, and RFC 9111 lets a cache
	// decline. only-if-cached is always honoured.
	HonorClientCacheControl bool
	// CacheStatusKey adds the cache key to every Cache-Status field
	// (RFC 9211 "key"): for debugging; it tells clients how URLs map to
	// objects.
	CacheStatusKey bool
	// CacheStatusOnHits sends Cache-Status on fresh hits of every path.
	// Paths under an rfc policy always carry it (RFC 9211); on the others
	// a fresh hit is named by X-Cache alone, sparing a field on the
	// hottest path (see doc.go for the measured cost).
	CacheStatusOnHits bool
	// CDNCacheControl makes the edge obey an origin's CDN-Cache-Control
	// (RFC 9213 §3) instead of its Cache-Control and Expires, when the
	// field has a valid value. On by default.
	CDNCacheControl bool
	// TargetedCacheControl names a response field targeted at this
	// node alone (RFC 9213 §2), such as Vodedge-CDN-Cache-Control: it
	// takes precedence over CDN-Cache-Control. "": none.
	TargetedCacheControl string
	// StripTargetedCacheControl removes the targeted fields the edge
	// obeys from its answers: a downstream cache does not see them.
	StripTargetedCacheControl bool
	// MaxVariants bounds the variants stored per URL for responses with
	// Vary; further variants are fetched for each request, not stored.
	MaxVariants int
	// ForwardHeaders are request fields sent to the origin on a miss, so
	// that it can choose a variant (and say so with Vary); fields a
	// response's Vary names are forwarded too. Canonical form.
	ForwardHeaders []string
	// ForwardUnsafe passes POST, PUT, DELETE and PATCH to origins that
	// take them (HTTP), invalidating what is cached for the target on a
	// success; otherwise those methods get 405.
	ForwardUnsafe bool
	// MaxRequestBodyBytes bounds the body of a forwarded request (413
	// beyond it).
	MaxRequestBodyBytes int
}

// DefaultConfig returns the configuration used when nothing is set: a
// 256 MiB RAM tier, 4 MiB slices (one slice holds a typical 4-second
// segment), RAM-tier slices of 32-96 KiB (audio segments) in memfds, 404s without freshness remembered for 10 s, RFC 9111 caching
// under policy.DefaultRules, stale copies served for up to an hour while
// the origin fails, players' Cache-Control ignored, unsafe methods
// forwarded with bodies up to 64 KiB.
func DefaultConfig() Config {
	return Config{
		NodeName:        "edge-1",
		Site:            "default",
		RAMBytes:        256 << 20,
		SliceBytes:      4 << 20,
		MemfileMinBytes: 32 << 10,
		MemfileMaxBytes: 96 << 10,
		NegativeTTL:     10 * time.Second,
		CORSOrigin:      "*",
		ReadTimeout:     10 * time.Second,
		IdleTimeout:     60 * time.Second,
		WriteTimeout:    30 * time.Second,
		MinClientRate:   64 << 10,
		MaxHeaderBytes:  8 << 10,
		ShutdownTimeout: 30 * time.Second,

		Policies:            policy.Defaults(),
		HeuristicFraction:   0.1,
		HeuristicMax:        24 * time.Hour,
		StaleIfError:        time.Hour,
		CDNCacheControl:     true,
		MaxVariants:         8,
		ForwardHeaders:      []string{"Accept", "Accept-Encoding", "Accept-Language", "Origin"},
		ForwardUnsafe:       true,
		MaxRequestBodyBytes: 64 << 10,
	}
}

// Limits on the configuration, so that a typo fails at start-up rather
// than in production.
const (
	minSliceBytes = 64 << 10
	maxSliceBytes = 64 << 20
)

func (c *Config) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("cache: "+format, a...)) }
	if c.RAMBytes != 0 && c.RAMBytes < 1<<20 {
		bad("RAM tier must be 0 (off) or at least 1 MiB, got %d bytes", c.RAMBytes)
	}
	if c.SliceBytes < minSliceBytes || c.SliceBytes > maxSliceBytes {
		bad("slice size must be within 64 KiB..64 MiB, got %d bytes", c.SliceBytes)
	}
	if c.RAMBytes > 0 && c.SliceBytes > c.RAMBytes/4 {
		bad("slice size %d is more than a quarter of the RAM tier (%d)", c.SliceBytes, c.RAMBytes)
	}
	if c.MemfileMinBytes < 0 || c.MemfileMaxBytes < 0 {
		bad("memfile sizes must not be negative")
	}
	if c.MemfileMaxBytes > 0 && c.MemfileMaxBytes < c.MemfileMinBytes {
		bad("memfile sizes: the largest (%d bytes) is below the smallest (%d): raise the largest (--ram-sendfile-max) or make it 0, no limit", c.MemfileMaxBytes, c.MemfileMinBytes)
	}
	if c.NegativeTTL < 0 {
		bad("negative TTL must not be negative")
	}
	for name, d := range map[string]time.Duration{"read": c.ReadTimeout, "idle": c.IdleTimeout, "write": c.WriteTimeout, "shutdown": c.ShutdownTimeout} {
		if d <= 0 {
			bad("%s timeout must be positive, got %v", name, d)
		}
	}
	if c.MinClientRate <= 0 {
		bad("minimum client rate must be positive")
	}
	if c.MaxHeaderBytes < 1024 || c.MaxHeaderBytes > 1<<20 {
		bad("max header bytes must be within 1 KiB..1 MiB, got %d", c.MaxHeaderBytes)
	}
	if c.EventLoops < 0 || c.EventLoops > MaxEventLoops {
		bad("event loops must be within 0 (off)..%d, got %d", MaxEventLoops, c.EventLoops)
	}
	if c.MaxConns < 0 || c.MaxConnsPerClient < 0 {
		bad("connection limits must not be negative")
	}
	if c.NodeName == "" {
		bad("node name must not be empty")
	}
	c.validateCaching(bad)
	return errors.Join(errs...)
}

// validateCaching checks the HTTP caching settings.
func (c *Config) validateCaching(bad func(string, ...any)) {
	if c.HeuristicFraction < 0 || c.HeuristicFraction > 1 {
		bad("heuristic fraction must be within 0..1, got %v", c.HeuristicFraction)
	}
	if c.HeuristicMax < 0 || c.StaleIfError < 0 || c.StaleWhileRevalidate < 0 {
		bad("heuristic maximum and stale windows must not be negative")
	}
	if c.MaxVariants < 1 || c.MaxVariants > 1024 {
		bad("max variants must be within 1..1024, got %d", c.MaxVariants)
	}
	if c.MaxRequestBodyBytes < 0 || c.MaxRequestBodyBytes > 64<<20 {
		bad("max request body must be within 0..64 MiB, got %d", c.MaxRequestBodyBytes)
	}
	if t := c.TargetedCacheControl; t != "" && (!validFieldName(t) || strings.EqualFold(t, "Cache-Control")) {
		bad("targeted cache-control field %q is not a field name other than Cache-Control", t)
	}
	c.ForwardHeaders = slices.Clone(c.ForwardHeaders)
	for i, h := range c.ForwardHeaders {
		if h == "" || strings.ContainsAny(h, " :\r\n") {
			bad("forwarded header %q is not a field name", h)
			continue
		}
		c.ForwardHeaders[i] = textproto.CanonicalMIMEHeaderKey(h)
	}
}

// validFieldName reports whether s is a header field name (an RFC 9110
// token).
func validFieldName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c|0x20 >= 'a' && c|0x20 <= 'z' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// targets is the target list of RFC 9213: the targeted fields the edge
// obeys, the most specific first, in canonical form.
func (c *Config) targets() []string {
	var out []string
	if c.TargetedCacheControl != "" {
		out = append(out, textproto.CanonicalMIMEHeaderKey(c.TargetedCacheControl))
	}
	if c.CDNCacheControl {
		out = append(out, textproto.CanonicalMIMEHeaderKey(freshness.CDNCacheControl))
	}
	return out
}
