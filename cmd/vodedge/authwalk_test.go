package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
)

// publicAdminRoutes are the only admin routes served without a token,
// with the reason.
var publicAdminRoutes = map[string]string{
	"GET /metrics": "Prometheus scrapes carry no token; counters only",
	"GET /healthz": "liveness probes",
	"GET /readyz":  "load balancers' readiness probes",
	// The controller's web pages (internal/webui, the demo's) are for
	// browsers. Their POST /ui/api/nodes/{name}/{op} (stop/start) is wired
	// only by `vodedge demo`.
	"/ui/": "browser pages of the controller (internal/webui)",
}

var pathVar = regexp.MustCompile(`\{[^}]*\}`)

// requestsFor turns a ServeMux pattern into requests that reach it: the
// method (GET and POST when it names none) and a path with its wildcards
// filled in.
func requestsFor(pattern string) [][2]string {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		method, path = "", pattern
	}
	path = strings.ReplaceAll(pathVar.ReplaceAllString(path, "x"), "{$}", "")
	if strings.HasSuffix(path, "/") {
		path += "probe"
	}
	if method == "" {
		return [][2]string{{"GET", path}, {"POST", path}}
	}
	return [][2]string{{method, path}}
}

// walkRoutes reads the routes a listener says it serves (with the
// token), checks that want are among them, then calls each route without
// a token and with a wrong one: every route outside publicAdminRoutes
// must answer 401. It returns the paths it called.
func walkRoutes(t *testing.T, base, token string, want []string, listRoutes func() []admin.Route) []string {
	t.Helper()
	routes := listRoutes()
	var patterns []string
	for _, r := range routes {
		patterns = append(patterns, r.Pattern)
	}
	for _, w := range want {
		if !slices.Contains(patterns, w) {
			t.Errorf("%s does not list %q among its routes %v", base, w, patterns)
		}
	}
	var called []string
	public := 0
	c := &http.Client{Timeout: 10 * time.Second}
	for _, r := range routes {
		if _, ok := publicAdminRoutes[r.Pattern]; ok {
			public++
			continue
		}
		if !r.Auth {
			t.Errorf("%s serves %q without authentication", base, r.Pattern)
		}
		for _, mp := range requestsFor(r.Pattern) {
			for _, tok := range []string{"", "wrong-token-0123456789abcdef"} {
				req, _ := http.NewRequest(mp[0], base+mp[1], strings.NewReader("{}"))
				if tok != "" {
					req.Header.Set("Authorization", "Bearer "+tok)
				}
				resp, err := c.Do(req)
				if err != nil {
					t.Fatalf("%s %s: %v", mp[0], mp[1], err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("%s %s%s (route %q) with token %q: %d, want 401", mp[0], base, mp[1], r.Pattern, tok, resp.StatusCode)
				}
			}
			called = append(called, mp[1])
		}
	}
	t.Logf("%s: %d routes, %d public, %d requests without a token and with a wrong one: all 401", base, len(routes), public, 2*len(called))
	return called
}

// adminRoutes reads GET /v1/routes of an admin listener with the token.
func adminRoutes(t *testing.T, base, token string) func() []admin.Route {
	return func() []admin.Route {
		var routes []admin.Route
		if code := adminDo(t, "GET", base+"/v1/routes", token, nil, &routes); code != 200 || len(routes) == 0 {
			t.Fatalf("GET %s/v1/routes with the token: %d, %d routes", base, code, len(routes))
		}
		return routes
	}
}

// checkAudited checks that every refused call was written to the audit
// log (JSON log lines: audit true, authorized false, the path), waiting
// a little for the process's stderr to arrive.
func checkAudited(t *testing.T, p *proc, paths []string) {
	t.Helper()
	testenv.EventuallyErr(t, 5*time.Second, "every refused call in the audit log", func() error {
		refused := map[string]bool{}
		for _, line := range strings.Split(p.stderr.String(), "\n") {
			var rec struct {
				Audit      bool   `json:"audit"`
				Authorized bool   `json:"authorized"`
				Path       string `json:"path"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Audit && !rec.Authorized {
				refused[rec.Path] = true
			}
		}
		var missing []string
		for _, path := range paths {
			if !refused[path] {
				missing = append(missing, path)
			}
		}
		if len(missing) > 0 {
			return fmt.Errorf("refused calls not in the audit log: %s", strings.Join(missing, ", "))
		}
		return nil
	})
}

// TestEveryAdminRouteNeedsAToken starts each daemon with every optional
// part that adds routes (an edge in a cluster with fill and a disk tier;
// steering; the controller with its web pages), reads the routes each
// listener serves, and calls every one of them without a token and with
// a wrong one: all answer 401 and are audited, but for the few public
// ones named in publicAdminRoutes. The edge's peer listener refuses
// requests without the cluster's credentials the same way.
func TestEveryAdminRouteNeedsAToken(t *testing.T) {
	dir := t.TempDir()
	const token = "walk-admin-token-0123456789"
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte(token+"\n"), 0o600)

	t.Run("edge", func(t *testing.T) {
		t.Parallel()
		_, pub, err := manifest.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		listen, adminAddr, peer := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "edge", "--listen", listen, "--admin", adminAddr, "--admin-token-file", tokens,
			"--cluster-insecure", "--gossip-listen", "127.0.0.1:0", "--peer-listen", peer,
			"--manifest-public-key", pub, "--disk-bytes", "64MiB", "--access-log", "off", "--log-format", "json")
		p.waitReady(t, "http://"+adminAddr+"/readyz")
		base := "http://" + adminAddr
		called := walkRoutes(t, base, token, []string{
			"POST /v1/purge", "GET /v1/objects", "GET /v1/objects/stat", "GET /v1/cluster", "POST /v1/drain", "POST /v1/undrain",
			"GET /v1/fill", "POST /v1/fill/now", "PUT /v1/fill/manifest", "GET /debug/pprof/", "GET /v1/routes",
		}, adminRoutes(t, base, token))
		checkAudited(t, p, called)
		for _, tok := range []string{"", token} { // the admin token is not the cluster's
			req, _ := http.NewRequest("GET", "http://"+peer+"/sample/master.m3u8", nil)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 401 {
				t.Errorf("peer listener with token %q: %d, want 401", tok, resp.StatusCode)
			}
		}
		checkAudited(t, p, []string{"/sample/master.m3u8"})
		// Admin paths on the public listener are cache lookups, never the API.
		if code, _, body := get(t, "http://"+listen+"/v1/routes"); code == 200 || strings.Contains(string(body), "pattern") {
			t.Errorf("public listener /v1/routes: %d %q", code, body)
		}
	})
	t.Run("steer", func(t *testing.T) {
		t.Parallel()
		sites := filepath.Join(t.TempDir(), "sites.yaml")
		os.WriteFile(sites, []byte("sites:\n  - name: ams\n    gossip: {join: [\"127.0.0.1:1\"], insecure: true, listen: \"127.0.0.1:0\"}\n"), 0o600)
		listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "steer", "--sites", sites, "--listen", listen, "--admin", adminAddr, "--admin-token-file", tokens,
			"--advertise-host", "127.0.0.1", "--decision-log", "off", "--log-format", "json")
		p.waitReady(t, "http://"+adminAddr+"/healthz")
		base := "http://" + adminAddr
		called := walkRoutes(t, base, token, []string{
			"GET /v1/sites", "GET /v1/prefixes", "GET /v1/bgp", "GET /v1/decide", "POST /v1/reload", "GET /debug/pprof/",
		}, adminRoutes(t, base, token))
		checkAudited(t, p, called)
	})
	t.Run("origin", func(t *testing.T) {
		t.Parallel()
		listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "origin", "--data", filepath.Join(t.TempDir(), "data"), "--listen", listen, "--admin", adminAddr,
			"--api-token-file", tokens, "--ffmpeg", testenv.Tool(t, "ffmpeg"), "--ffprobe", testenv.Tool(t, "ffprobe"), "--log-format", "json")
		p.waitReady(t, "http://"+adminAddr+"/readyz")
		base := "http://" + adminAddr
		called := walkRoutes(t, base, token, []string{"GET /debug/pprof/", "GET /v1/routes"}, adminRoutes(t, base, token))
		// The API listener: the controller's own routes, all under /v1/.
		api := "http://" + listen
		called = append(called, walkRoutes(t, api, token, []string{
			"POST /v1/titles", "PATCH /v1/titles/{id}", "POST /v1/titles/{id}/approve", "POST /v1/titles/{id}/demote",
			"POST /v1/jobs/{id}/cancel", "POST /v1/popularity/logs", "POST /v1/tiering/run", "GET /v1/manifests/{site}", "GET /v1/indexes/{hash}",
			"POST /v1/fill/reports/{node}", "POST /v1/popularity/batches/{node}",
		}, func() []admin.Route {
			var patterns []string
			if code := adminDo(t, "GET", api+"/v1/routes", token, nil, &patterns); code != 200 {
				t.Fatalf("GET %s/v1/routes: %d", api, code)
			}
			var routes []admin.Route
			for _, p := range patterns {
				routes = append(routes, admin.Route{Pattern: p, Auth: true})
			}
			return routes
		})...)
		checkAudited(t, p, called)
	})
}
