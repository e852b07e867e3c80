package steering

import (
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"slices"
)

// Config is how the steering service decides. Start from DefaultConfig;
// New validates it.
type Config struct {
	// Sites are the sites steering sends clients to.
	Sites []SiteConfig
	// DefaultOrder ranks the sites for a client that no prefix matches,
	// and ranks the sites that match none of a client's prefixes after
	// those that do. Default: the order of Sites.
	DefaultOrder []string
	// MaxURLs is the most URLs an answer lists (the origin's included).
	// Default 3.
	MaxURLs int
	// LoadThreshold is the default load (egress ÷ capacity, as the node
	// publishes it) at or above which a node gets no new clients. Default
	// 0.9.
	LoadThreshold float64
	// OriginURL is the base URL of the origin, listed last (or alone,
	// when no node can serve) as the player's final fallback; "" lists
	// none. The file's path is appended; the URL is not signed.
	OriginURL string
	// ClientBitsV4 and ClientBitsV6 are the client prefix lengths that
	// stand for a client in decision logs and in the hash that breaks
	// ties (a client network gets one answer). Default 24 and 48.
	ClientBitsV4, ClientBitsV6 int
	// TrustedProxies are the peers whose X-Forwarded-For is believed
	// (a load balancer in front of steering). Default none.
	TrustedProxies []netip.Prefix
	// MaxFiles bounds the files of one request. Default 16.
	MaxFiles int
	// LogBuffer is how many decisions wait for the decision log before
	// new ones are dropped (and counted). Default 8192.
	LogBuffer int
}

// SiteConfig is one site.
type SiteConfig struct {
	// Name is the site's name, as its nodes publish it (--site).
	Name string
	// Owners is the nodes per file the site's edges use
	// (--owners-per-file): a file's owners by placement are the nodes
	// that hold it. Default 1.
	Owners int
	// LoadThreshold overrides Config.LoadThreshold for the site's nodes.
	LoadThreshold float64
	// HTTPS makes the site's node URLs https://, on the TLS port each
	// node publishes (its --tls-listen); a node that publishes none keeps
	// its http:// URL.
	HTTPS bool
}

// DefaultConfig returns the defaults, without sites.
func DefaultConfig() Config {
	return Config{MaxURLs: 3, LoadThreshold: 0.9, ClientBitsV4: 24, ClientBitsV6: 48, MaxFiles: 16, LogBuffer: 8192}
}

func (c *Config) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("steering: "+format, a...)) }
	if len(c.Sites) == 0 {
		bad("no site")
	}
	names := map[string]bool{}
	for i := range c.Sites {
		s := &c.Sites[i]
		if s.Name == "" || names[s.Name] {
			bad("site %d: name %q empty or given twice", i+1, s.Name)
		}
		names[s.Name] = true
		if s.Owners == 0 {
			s.Owners = 1
		}
		if s.Owners < 1 || s.Owners > 16 {
			bad("site %s: owners per file %d, want 1 to 16", s.Name, s.Owners)
		}
		if s.LoadThreshold == 0 {
			s.LoadThreshold = c.LoadThreshold
		}
		if !(s.LoadThreshold > 0) {
			bad("site %s: load threshold %v, want > 0", s.Name, s.LoadThreshold)
		}
	}
	if len(c.DefaultOrder) == 0 {
		for _, s := range c.Sites {
			c.DefaultOrder = append(c.DefaultOrder, s.Name)
		}
	}
	for _, n := range c.DefaultOrder {
		if !names[n] {
			bad("default order names %q, which is not a site", n)
		}
	}
	if len(slices.Compact(slices.Sorted(slices.Values(c.DefaultOrder)))) != len(c.DefaultOrder) {
		bad("default order names a site twice: %v", c.DefaultOrder)
	}
	if c.MaxURLs < 1 || c.MaxURLs > 16 {
		bad("max URLs %d, want 1 to 16", c.MaxURLs)
	}
	if c.ClientBitsV4 < 0 || c.ClientBitsV4 > 32 || c.ClientBitsV6 < 0 || c.ClientBitsV6 > 128 {
		bad("client prefix lengths %d/%d, want 0-32 and 0-128", c.ClientBitsV4, c.ClientBitsV6)
	}
	if c.OriginURL != "" {
		if u, err := url.Parse(c.OriginURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
			bad("origin URL %q: want http(s)://host[:port][/prefix]", c.OriginURL)
		}
	}
	if c.MaxFiles < 1 || c.LogBuffer < 1 {
		bad("max files %d and log buffer %d must be positive", c.MaxFiles, c.LogBuffer)
	}
	return errors.Join(errs...)
}
