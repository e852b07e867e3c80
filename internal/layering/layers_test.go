package layering

import (
	"sort"
	"strings"
	"testing"
)

// allowed maps a folder or package (relative to the module root; the
// longest prefix of a package's path wins) to the folders and packages
// its production code may import besides its own folder. The folders are
// layers, bottom first:
//
//	internal   leaves every layer uses: keys, signing, placement,
//	           manifests, sampling, the admin listener, config plumbing
//	origin     the object model and origin clients; the controller
//	steering   the steering service and site membership
//	fill       the fill agent (stores through its own Store interface)
//	cache      the edge: serving path, tiers, peer data plane, and the
//	           node's assembly (cache/edge), the one package of cache
//	           that reaches sideways to fill and steering/cluster
//	bench      the benchmark library (cache/evict and cache/ramtier for
//	           the hit-ratio simulation, cache/disktier for the scale
//	           benchmark's child process, which opens the tier itself)
//	cmd        the binary: flags and wiring
var allowed = map[string][]string{
	"internal":   {},
	"origin":     {"internal"},
	"steering":   {"internal"},
	"fill":       {"internal", "origin"},
	"cache":      {"internal", "origin"},
	"cache/edge": {"internal", "origin", "fill", "steering/cluster"},
	"bench":      {"internal", "cache/evict", "cache/ramtier", "cache/disktier"},
	"cmd":        {"internal", "origin", "steering", "fill", "cache", "bench"},
	"deploy":     {"internal"},
}

// testOnly are packages only tests (and each other) may import.
var testOnly = []string{"internal/testenv", "origin/internal/mediatest", "steering/bgp/bgptest"}

// testExceptions are imports a package's tests make beyond what its
// production code may, and why.
var testExceptions = map[string]map[string]string{
	"fill": {
		"cache":          "the agent fills real edges: a cache.Server's peer listener is a fill source",
		"cache/edge":     "the agent stores into the real disk tier through the node's adapter (edge.FillStore)",
		"cache/disktier": "the tests read back what the agent stored, slice by slice, verified",
	},
	"origin/fillplan": {
		"cache/evict": "the offload simulation evicts with the edge's own policy",
	},
	"cache/accesslog": {
		"origin/popularity": "the access log's lines are what the controller's popularity parser reads",
	},
	"internal/layering": {},
}

// rule is the allowed entry for pkg: the longest key that is pkg or a
// parent folder of it.
func rule(pkg string) (string, []string) {
	best := ""
	for k := range allowed {
		if (pkg == k || strings.HasPrefix(pkg, k+"/")) && len(k) > len(best) {
			best = k
		}
	}
	return best, allowed[best]
}

// within reports whether pkg is prefix or inside it.
func within(pkg, prefix string) bool { return pkg == prefix || strings.HasPrefix(pkg, prefix+"/") }

// mayImport reports whether production code of pkg may import dep: a
// package of its own folder, or one the table allows; never a package
// only tests may use.
func mayImport(pkg, dep string) bool {
	if isTestOnly(dep) {
		return isTestOnly(pkg) // test helpers build on each other
	}
	if topFolder(pkg) == topFolder(dep) {
		return true
	}
	_, list := rule(pkg)
	return permits(list, dep)
}

func permits(list []string, dep string) bool {
	for _, p := range list {
		if within(dep, p) {
			return true
		}
	}
	return false
}

func isTestOnly(dep string) bool { return permits(testOnly, dep) }

func topFolder(pkg string) string {
	top, _, _ := strings.Cut(pkg, "/")
	return top
}

// TestImportsFollowTheLayers fails on every import that runs upward or
// sideways against the table.
func TestImportsFollowTheLayers(t *testing.T) {
	pkgs := modulePackages(t)
	var bad []string
	for _, p := range pkgs {
		for _, dep := range p.Imports {
			if !mayImport(p.Path, dep) {
				bad = append(bad, p.Path+" imports "+dep)
			}
		}
		for _, dep := range p.TestImports {
			if dep != p.Path && !mayImport(p.Path, dep) && !isTestOnly(dep) && testExceptions[p.Path][dep] == "" {
				bad = append(bad, p.Path+" (tests) imports "+dep)
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Errorf("%s: not allowed by the layers table in layers_test.go; move the shared part down or say why in the table", b)
	}
	if len(pkgs) < 20 {
		t.Fatalf("only %d packages listed: go list did not see the module", len(pkgs))
	}
}

// TestTableNamesRealPackages keeps the table honest: every folder and
// package it names exists, and every exception is still needed.
func TestTableNamesRealPackages(t *testing.T) {
	pkgs := modulePackages(t)
	exists := func(prefix string) bool {
		for _, p := range pkgs {
			if within(p.Path, prefix) {
				return true
			}
		}
		return false
	}
	for k, list := range allowed {
		for _, p := range append([]string{k}, list...) {
			if !exists(p) {
				t.Errorf("allowed names %q, which has no package", p)
			}
		}
	}
	for pkg, deps := range testExceptions {
		for dep := range deps {
			if !testImports(pkgs, pkg, dep) {
				t.Errorf("testExceptions: %s's tests no longer import %s; remove the exception", pkg, dep)
			}
		}
	}
}

func testImports(pkgs []pkg, path, dep string) bool {
	for _, p := range pkgs {
		if p.Path == path {
			for _, d := range p.TestImports {
				if d == dep {
					return true
				}
			}
		}
	}
	return false
}

// TestRules pins the table's meaning with the imports this layering
// exists to forbid and to allow.
func TestRules(t *testing.T) {
	for _, tc := range []struct {
		pkg, dep string
		ok       bool
	}{
		{"cache", "internal/urlsign", true},
		{"steering", "cache/peer", false},        // the peer data plane sits beside the cache
		{"steering", "fill", false},              // manifests are internal/manifest
		{"fill", "cache/disktier", false},        // fill stores through its own Store
		{"cache", "fill", false},                 // only the assembly reaches fill
		{"cache/edge", "fill", true},             //
		{"cache/edge", "steering/cluster", true}, //
		{"cache/edge", "steering", false},        // membership, not the steering service
		{"origin/controller", "internal/manifest", true},
		{"origin", "steering/cluster", false},
		{"bench/hitsim", "cache/evict", true},
		{"bench", "cache", false},
		{"cmd/vodedge", "bench", true},
		{"cache", "internal/testenv", false}, // test helpers stay in tests
		{"origin/internal/mediatest", "internal/testenv", true},
		{"internal/manifest", "internal/cachekey", true},
		{"internal/manifest", "origin", false},
	} {
		if got := mayImport(tc.pkg, tc.dep); got != tc.ok {
			t.Errorf("mayImport(%s, %s) = %v, want %v", tc.pkg, tc.dep, got, tc.ok)
		}
	}
}
