package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/policy"
	"github.com/vodedge/vodedge/internal/cliconf"
)

// TestHTTPCacheFlags: rules from the command line and from a YAML list
// come before the defaults, in order; durations take days.
func TestHTTPCacheFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		yaml string
		want []string // the first rules, before the defaults
	}{
		{"flags", []string{"--cache-policy", "/live/*=origin:max=2s,swr=2s", "--cache-policy", "*.vtt=immutable:1d", "--stale-if-error", "2d"}, "",
			[]string{"/live/*=origin:max=2s,swr=2s", "*.vtt=immutable:ttl=1d"}},
		{"yaml list", nil, "cache-policy:\n  - \"*.m3u8=origin:min=2s,max=5s\"\n  - \"/api/*=pass\"\nstale-if-error: 2d\n",
			[]string{"*.m3u8=origin:min=2s,max=5s", "/api/*=pass"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := cache.DefaultConfig()
			var h httpCacheOpts
			fs := pflag.NewFlagSet("edge", pflag.ContinueOnError)
			h.bind(fs, &cfg)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if tc.yaml != "" {
				p := filepath.Join(t.TempDir(), "edge.yaml")
				os.WriteFile(p, []byte(tc.yaml), 0o600)
				if err := cliconf.Apply(fs, p); err != nil {
					t.Fatal(err)
				}
			}
			if err := h.apply(&cfg); err != nil {
				t.Fatal(err)
			}
			if len(cfg.Policies) != len(tc.want)+len(policy.DefaultRules) {
				t.Fatalf("%d rules: %v", len(cfg.Policies), cfg.Policies)
			}
			for i, w := range tc.want {
				if got := cfg.Policies[i].String(); got != w {
					t.Errorf("rule %d = %s, want %s", i, got, w)
				}
			}
			if cfg.StaleIfError != 48*time.Hour {
				t.Errorf("stale-if-error = %v", cfg.StaleIfError)
			}
		})
	}
}

func TestBadCachePolicyFailsClearly(t *testing.T) {
	for _, tc := range []struct{ arg, want string }{
		{"*.m4s", "want PATTERN=KIND"},
		{"*.m4s=forever", "unknown kind"},
		{"*.m3u8=origin:min=10s,max=1s", "above max"},
	} {
		out, err := runBinary(t, "edge", "--cache-policy", tc.arg)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("--cache-policy %q: %v %q, want a failure mentioning %q", tc.arg, err, out, tc.want)
		}
	}
}

// TestTargetedCacheControlFlags: the RFC 9213 and Cache-Status flags
// reach the configuration, and a targeted field that is not a field
// name fails at start-up naming it.
func TestTargetedCacheControlFlags(t *testing.T) {
	cfg := cache.DefaultConfig()
	var h httpCacheOpts
	fs := pflag.NewFlagSet("edge", pflag.ContinueOnError)
	h.bind(fs, &cfg)
	if !cfg.CDNCacheControl {
		t.Fatal("CDN-Cache-Control is not obeyed by default")
	}
	args := []string{"--targeted-cache-control", "Vodedge-CDN-Cache-Control", "--strip-targeted-cache-control", "--cdn-cache-control=false", "--cache-status-key", "--cache-status-hits"}
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	if cfg.TargetedCacheControl != "Vodedge-CDN-Cache-Control" || !cfg.StripTargetedCacheControl || cfg.CDNCacheControl || !cfg.CacheStatusKey || !cfg.CacheStatusOnHits {
		t.Fatalf("flags not applied: %+v", cfg)
	}
	out, err := runBinary(t, "edge", "--targeted-cache-control", "Bad Field")
	if err == nil || !strings.Contains(out, `targeted cache-control field "Bad Field"`) {
		t.Fatalf("bad targeted field: %v %q", err, out)
	}
}
