package controller_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/fillplan"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// regEnv is a controller with an imported title, a static site "ams"
// of one node, API tokens and a clock the test moves.
type regEnv struct {
	*env
	pub   ed25519.PublicKey
	clock *testenv.Clock
	token string
}

func startRegistry(t *testing.T) *regEnv { return startRegistryWith(t, func(*controller.Config) {}) }

func startRegistryWith(t *testing.T, adjust func(*controller.Config)) *regEnv {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	missing := filepath.Join(t.TempDir(), "no-such-ffmpeg")
	cfg := configWith(t.TempDir(), missing, missing)
	cfg.TranscodeOptional = true
	cfg.ManifestKey, cfg.APITokens = priv, []string{"node-token"}
	cfg.Registry = controller.Registry{Grace: 2 * time.Minute}
	cfg.Sites = []fillplan.Site{{Name: "ams", Nodes: []fillplan.Node{{Name: "ams-1", Weight: 1, Capacity: 1 << 30}}}}
	adjust(&cfg)
	clock := testenv.NewClock(time.Now())
	e := start(t, cfg, controller.Deps{Now: clock.Now})
	res, err := e.srv.Import(context.Background(), catalog.Metadata{Title: "Test pattern"}, origin.SampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	e.wait(res.Job.ID, pipeline.Done)
	e.title(res.Title.ID, func(ti *catalog.Title) bool { return ti.Status == catalog.Published })
	return &regEnv{env: e, pub: pub, clock: clock, token: "node-token"}
}

// post sends body to path with the token (none when "").
func (e *regEnv) post(path, token, body string) (int, string) {
	return e.call(http.MethodPost, path, token, body)
}

func (e *regEnv) call(method, path, token, body string) (int, string) {
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// holders returns how many files the site's current manifest gives each
// node.
func (e *regEnv) holders(site string) map[string]int {
	e.t.Helper()
	code, raw := testenv.Get(http.DefaultClient, e.url+"/v1/manifests/"+site, "Authorization", testenv.Bearer(e.token))
	if code != 200 {
		e.t.Fatalf("manifest: %d %s", code, raw)
	}
	m, err := manifest.Expand(strings.NewReader(raw), e.pub, func(hash string) ([]manifest.File, error) {
		code, b := testenv.Get(http.DefaultClient, e.url+"/v1/indexes/"+hash, "Authorization", testenv.Bearer(e.token))
		if code != 200 {
			return nil, fmt.Errorf("index %s: %d", hash, code)
		}
		zr, err := gzip.NewReader(bytes.NewReader([]byte(b)))
		if err != nil {
			return nil, err
		}
		plain, _ := io.ReadAll(zr)
		return manifest.VerifyIndex(plain, hash)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string]int{}
	for _, en := range m.Entries {
		for _, n := range en.Nodes {
			out[n]++
		}
	}
	return out
}

func (e *regEnv) sites() controller.Sites {
	e.t.Helper()
	code, raw := testenv.Get(http.DefaultClient, e.url+"/v1/sites", "Authorization", testenv.Bearer(e.token))
	var s controller.Sites
	if code != 200 || json.Unmarshal([]byte(raw), &s) != nil {
		e.t.Fatalf("GET /v1/sites: %d %s", code, raw)
	}
	return s
}

const ams2 = `{"name":"ams-2","site":"ams","weight":1000,"capacity_bytes":1073741824,"version":"test",
	"peer_addr":"127.0.0.1:9","disks":[{"name":"d0","state":"serving","bytes":0,"capacity_bytes":1073741824}]}`

// A node that registers is planned by the next manifest, without a
// restart; when it stops reporting, past the grace, its files go back
// to the site's other node.
func TestRegisteredNodeIsPlannedAndReplannedAfterGrace(t *testing.T) {
	e := startRegistry(t)
	before := e.holders("ams")
	if len(before) != 1 || before["ams-1"] == 0 {
		t.Fatalf("the static site: %v", before)
	}
	if code, body := e.post("/v1/nodes/heartbeat", e.token, ams2); code != 200 || !strings.Contains(body, `"live"`) {
		t.Fatalf("heartbeat: %d %s", code, body)
	}
	joined := e.holders("ams")
	if joined["ams-2"] == 0 {
		t.Fatalf("after ams-2 registered with weight 1000: %v, want files on ams-2", joined)
	}
	var view controller.NodeView
	for _, n := range e.sites().Sites[0].Nodes {
		if n.Name == "ams-2" {
			view = n
		}
	}
	if view.Source != controller.SourceRegistered || view.State != controller.StateLive || view.LastReport.IsZero() || view.PeerAddr != "127.0.0.1:9" {
		t.Fatalf("GET /v1/sites shows ams-2 as %+v", view)
	}
	e.clock.Advance(2*time.Minute + time.Second)
	after := e.holders("ams")
	if after["ams-2"] != 0 || after["ams-1"] != before["ams-1"] {
		t.Fatalf("ams-2 silent past the grace: %v, want every file back on ams-1 (%v)", after, before)
	}
	if s := e.sites(); s.Sites[0].Live != 1 {
		t.Fatalf("GET /v1/sites after the grace: %+v", s)
	}
	if v := testenv.Metric(t, e.reg, "vodedge_origin_site_nodes", "site", "ams", "state", "expired"); v != 1 {
		t.Errorf("vodedge_origin_site_nodes{state=expired} = %v, want 1", v)
	}
	if code, body := e.call(http.MethodDelete, "/v1/nodes/ams/ams-1", e.token, ""); code != http.StatusConflict {
		t.Errorf("DELETE a static node: %d %s, want 409", code, body)
	}
	if code, body := e.call(http.MethodDelete, "/v1/nodes/ams/ams-2", e.token, ""); code != http.StatusNoContent {
		t.Errorf("DELETE a registered node: %d %s, want 204", code, body)
	}
	if s := e.sites(); len(s.Sites[0].Nodes) != 1 {
		t.Errorf("GET /v1/sites after ams-2 was forgotten: %+v", s)
	}
}

// Heartbeats need the API token; bad ones get a 4xx naming the field.
func TestHeartbeatRefusals(t *testing.T) {
	e := startRegistry(t)
	for _, tc := range []struct {
		name, token, body string
		code              int
		says              string
	}{
		{"no token", "", ams2, 401, "unauthorized"},
		{"wrong token", "other", ams2, 401, "unauthorized"},
		{"not JSON", e.token, "hello", 400, "JSON"},
		{"no capacity", e.token, `{"name":"n","site":"ams"}`, 400, `field \"capacity_bytes\"`},
		{"bad disk", e.token, `{"name":"n","site":"ams","capacity_bytes":1,"disks":[{"name":"d","state":"gone"}]}`, 400, `field \"disks[0].state\"`},
		{"unknown field", e.token, `{"name":"n","site":"ams","capacity_bytes":1,"capacity":1}`, 400, "capacity"},
		{"unknown site", e.token, `{"name":"n","site":"fra","capacity_bytes":1}`, 422, `field \"site\"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := e.post("/v1/nodes/heartbeat", tc.token, tc.body)
			if code != tc.code || !strings.Contains(body, tc.says) {
				t.Fatalf("%d %s, want %d mentioning %s", code, body, tc.code, tc.says)
			}
		})
	}
	if v := testenv.Metric(t, e.reg, "vodedge_origin_node_heartbeats_total", "result", "rejected"); v != 5 {
		t.Errorf("rejected heartbeats counted %v, want 5 (the unauthorized never reach the registry)", v)
	}
}

// A node's own token opens its manifests, indexes, heartbeats and
// reports, for itself only; the rest of the API answers 403.
func TestNodeTokens(t *testing.T) {
	e := startRegistryWith(t, func(cfg *controller.Config) {
		cfg.NodeTokens = map[string]string{"ams-2": "ams-2-own-token-0123456789"}
	})
	own := "ams-2-own-token-0123456789"
	for _, tc := range []struct {
		name, method, path, body string
		code                     int
	}{
		{"its heartbeat", "POST", "/v1/nodes/heartbeat", ams2, 200},
		{"another node's heartbeat", "POST", "/v1/nodes/heartbeat", strings.Replace(ams2, "ams-2", "ams-3", 1), 403},
		{"its report", "POST", "/v1/fill/reports/ams-2", `{}`, 204},
		{"another node's report", "POST", "/v1/fill/reports/ams-3", `{}`, 403},
		{"its site's manifest", "GET", "/v1/manifests/ams", "", 200},
		{"a restore of an unknown title", "POST", "/v1/restores?key=titles/nope/master.m3u8", "", 404},
		{"a restore of a key outside the layout", "POST", "/v1/restores?key=etc/passwd", "", 400},
		{"the catalogue", "GET", "/v1/titles", "", 403},
		{"forgetting a node", "DELETE", "/v1/nodes/ams/ams-2", "", 403},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := e.call(tc.method, tc.path, own, tc.body); code != tc.code {
				t.Fatalf("%d %s, want %d", code, body, tc.code)
			}
		})
	}
	if code, _ := e.call("GET", "/v1/titles", e.token, ""); code != 200 {
		t.Errorf("the API token: %d", code)
	}
}
