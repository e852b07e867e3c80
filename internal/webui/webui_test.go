package webui

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestAssess(t *testing.T) {
	up := &nodeProbe{ready: true, detail: "ready"}
	for _, c := range []struct {
		name  string
		n     NodeStatus
		p     *nodeProbe
		peer  *memberStatus
		steer string
		delta counters
		want  Level
		comp  string
	}{
		{"healthy", NodeStatus{Cluster: "ok"}, up, nil, "ok", counters{}, OK, ""},
		{"unreachable", NodeStatus{}, &nodeProbe{err: fmt.Errorf("refused")}, nil, "", counters{}, Error, "node"},
		{"not ready", NodeStatus{}, &nodeProbe{detail: "not ready; shutting down"}, nil, "", counters{}, Error, "node"},
		{"ready with a warning", NodeStatus{Cluster: "degraded"}, &nodeProbe{ready: true, detail: "ready; disk tier degraded: full"}, nil, "", counters{}, Warn, "node"},
		{"dead in gossip", NodeStatus{Cluster: "ok"}, up, &memberStatus{State: "dead"}, "", counters{}, Error, "cluster"},
		{"draining", NodeStatus{Cluster: "draining"}, up, nil, "draining", counters{}, Warn, "cluster"},
		{"partition", NodeStatus{Cluster: "ok", Unseen: []string{"edge-2"}}, up, nil, "", counters{}, Warn, "cluster"},
		{"degraded disk", NodeStatus{Cluster: "ok", Disk: DiskUsage{Degraded: true}}, up, nil, "", counters{}, Warn, "disk"},
		{"failed disk", NodeStatus{Cluster: "ok", Disk: DiskUsage{Disks: map[string]string{"d0": "serving", "d1": "failed"}}}, up, nil, "", counters{}, Warn, "disk"},
		{"offline disk", NodeStatus{Cluster: "ok", Disk: DiskUsage{Disks: map[string]string{"d0": "offline", "d1": "serving"}}}, up, nil, "", counters{}, Warn, "disk"},
		{"disks serving", NodeStatus{Cluster: "ok", Disk: DiskUsage{Disks: map[string]string{"d0": "serving", "d1": "serving"}}}, up, nil, "", counters{}, OK, ""},
		{"checksum failures", NodeStatus{Cluster: "ok"}, up, nil, "", counters{checksumFailures: 2}, Warn, "disk"},
		{"fill failures", NodeStatus{Cluster: "ok", Fill: &FillStatus{State: "done", FilesFailed: 3}}, up, nil, "", counters{}, Warn, "fill"},
		{"fill behind its window", NodeStatus{Cluster: "ok", Fill: &FillStatus{State: "filling", Bytes: 10, BytesDone: 5}}, up, nil, "", counters{}, Warn, "fill"},
		{"busy", NodeStatus{Cluster: "ok", Load: 0.85}, up, nil, "ok", counters{}, Warn, "load"},
		{"overloaded", NodeStatus{Cluster: "ok", Load: 1.2}, up, nil, "overloaded", counters{}, Error, "load"},
		{"origin errors", NodeStatus{Cluster: "ok"}, up, nil, "", counters{originErrors: 5}, Warn, "origin"},
		{"steering disagrees", NodeStatus{Cluster: "ok"}, up, nil, "down", counters{}, Warn, "steering"},
	} {
		n := c.n
		assess(&n, c.p, c.peer, c.steer, c.delta)
		if n.State != c.want || (c.comp != "" && !hasComponent(n.Problems, c.comp)) || (c.comp == "" && len(n.Problems) > 0) {
			t.Errorf("%s: %s %+v, want %s from %q", c.name, n.State, n.Problems, c.want, c.comp)
		}
	}
}

func hasComponent(ps []Problem, comp string) bool {
	for _, p := range ps {
		if p.Component == comp {
			return true
		}
	}
	return false
}

// fakeEdge is an edge's admin API: readiness, metrics, cluster view, fill.
type fakeEdge struct {
	name    string
	srv     *httptest.Server
	members func() []memberStatus
	tokens  atomic.Int64 // requests that carried the token
}

func newFakeEdge(t *testing.T, name string) *fakeEdge {
	e := &fakeEdge{name: name}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /readyz", func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ready\n") })
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, `# TYPE vodedge_edge_response_bytes_total counter
vodedge_edge_response_bytes_total{tier="HIT-RAM"} 600
vodedge_edge_response_bytes_total{tier="HIT-DISK"} 300
vodedge_edge_response_bytes_total{tier="MISS"} 100
# TYPE vodedge_disk_bytes gauge
vodedge_disk_bytes 5e+06
# TYPE vodedge_disk_capacity_bytes gauge
vodedge_disk_capacity_bytes 1e+09
# TYPE vodedge_disk_state gauge
vodedge_disk_state{disk="d0",state="serving"} 1
vodedge_disk_state{disk="d0",state="failed"} 0
vodedge_disk_state{disk="d1",state="serving"} 1
vodedge_disk_state{disk="d1",state="failed"} 0
`)
	})
	mux.HandleFunc("GET /v1/cluster", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "unauthorized", http.StatusUnauthorized)
			return
		}
		e.tokens.Add(1)
		json.NewEncoder(w).Encode(clusterView{Node: e.name, Site: "ams", Members: e.members()})
	})
	mux.HandleFunc("GET /v1/fill", func(w http.ResponseWriter, _ *http.Request) {
		json.NewEncoder(w).Encode(FillStatus{State: "done", Files: 3, FilesDone: 3})
	})
	e.srv = httptest.NewServer(mux)
	t.Cleanup(e.srv.Close)
	return e
}

// TestMonitorLearnsTheSite: given one edge, the monitor lists every
// member of its site from its cluster view, with their figures; a node
// that stops answering stays listed, as ERROR.
func TestMonitorLearnsTheSite(t *testing.T) {
	a, b := newFakeEdge(t, "ams-1"), newFakeEdge(t, "ams-2")
	var bDead atomic.Bool
	view := func(self string) func() []memberStatus {
		return func() []memberStatus {
			stateB := "ok"
			if bDead.Load() {
				stateB = "dead"
			}
			return []memberStatus{
				{Name: "ams-1", Self: self == "ams-1", Site: "ams", State: "ok", AdminAddr: a.srv.Listener.Addr().String()},
				{Name: "ams-2", Self: self == "ams-2", Site: "ams", State: stateB, AdminAddr: b.srv.Listener.Addr().String()},
				{Name: "steer-1", Site: "ams", State: "watching"},
			}
		}
	}
	a.members, b.members = view("ams-1"), view("ams-2")
	now := time.Now()
	ui, err := New(Config{Edges: []string{a.srv.URL}, AdminToken: "tok", MinInterval: time.Nanosecond}, Deps{Now: func() time.Time { now = now.Add(time.Second); return now }})
	if err != nil {
		t.Fatal(err)
	}
	snap := ui.Monitor().Snapshot(context.Background())
	if len(snap.Sites) != 1 || len(snap.Sites[0].Nodes) != 2 || snap.Summary[OK] != 2 {
		t.Fatalf("snapshot: %+v", snap)
	}
	n := snap.Sites[0].Nodes[0]
	if n.Name != "ams-1" || n.Sees != 2 || n.Members != 2 || n.HitRatio["HIT-RAM"] != 0.6 || n.Disk.Bytes != 5e6 || n.Disk.Disks["d1"] != "serving" || n.Fill == nil || !n.Reachable {
		t.Fatalf("ams-1: %+v", n)
	}
	if a.tokens.Load() == 0 {
		t.Error("the cluster view was not asked for with the admin token")
	}
	b.srv.Close()
	bDead.Store(true)
	snap = ui.Monitor().Snapshot(context.Background())
	states := map[string]Level{}
	for _, n := range snap.Sites[0].Nodes {
		states[n.Name] = n.State
	}
	if states["ams-1"] != OK || states["ams-2"] != Error || len(states) != 2 {
		t.Fatalf("after ams-2 died: %v", states)
	}
}

// TestPages: the pages, their assets and the JSON routes are served, and
// the pages load nothing from other hosts.
func TestPages(t *testing.T) {
	cat := CatalogFunc(func(_ context.Context, q string) ([]Title, error) {
		return []Title{{ID: "t1", Title: "Film " + q, Master: "/titles/t1/master.m3u8"}}, nil
	})
	ui, err := New(Config{SteerURL: "http://steer.example:8088/"}, Deps{Catalog: cat})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.StripPrefix("/ui", ui.Handler()))
	defer srv.Close()
	for path, want := range map[string]string{
		"/ui/player/":          `src="../assets/player.js"`,
		"/ui/status/":          `src="../assets/status.js"`,
		"/ui/assets/app.css":   ".badge",
		"/ui/api/config":       `"steer_url":"http://steer.example:8088"`,
		"/ui/api/titles?q=x":   `"title":"Film x"`,
		"/ui/api/status":       `"summary"`,
		"/ui/assets/player.js": "vodedgePlayer",
		"/ui/home/":            `src="../assets/home.js"`,
		"/ui/title/?id=t1":     `src="../assets/title.js"`,
		"/ui/":                 `src="../assets/home.js"`, // the redirect, followed
		"/ui/assets/home.js":   "Popular here",
	} {
		body := fetch(t, srv.URL+path)
		if !strings.Contains(body, want) {
			t.Errorf("GET %s: no %q in %.200q", path, want, body)
		}
	}
	if resp, _ := http.Post(srv.URL+"/ui/api/nodes/x/stop", "", nil); resp == nil || resp.StatusCode != http.StatusNotFound {
		t.Errorf("node controls without Deps.Nodes: %v", resp)
	} else {
		resp.Body.Close()
	}
	for _, f := range []string{"assets/player.html", "assets/status.html", "assets/home.html", "assets/title.html", "assets/app.css"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if m := regexp.MustCompile(`(?i)(src|href)="(https?:)?//`).Find(raw); m != nil {
			t.Errorf("%s links to another host: %s", f, m)
		}
	}
}

func fetch(t *testing.T, url string) string {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(b)
}

// TestRegistryOnTheStatusPage: the controller's registry is listed per
// site (a site only the registry knows included), each monitored node
// carries its entry, and a node the registry no longer plans is a WARN.
func TestRegistryOnTheStatusPage(t *testing.T) {
	a := newFakeEdge(t, "ams-1")
	a.members = func() []memberStatus {
		return []memberStatus{{Name: "ams-1", Self: true, Site: "ams", State: "ok", AdminAddr: a.srv.Listener.Addr().String()}}
	}
	now := time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)
	reg := RegistryFunc(func(context.Context) ([]RegistrySite, error) {
		return []RegistrySite{
			{Name: "ams", Nodes: []RegistryNode{
				{Name: "ams-1", Source: "static", State: "expired", LastReport: now.Add(-3 * time.Minute)},
				{Name: "ams-2", Source: "registered", State: "live", LastReport: now.Add(-5 * time.Second)},
			}},
			{Name: "fra", Parents: []string{"ams"}, Nodes: []RegistryNode{{Name: "fra-1", Source: "registered", State: "live", LastReport: now}}},
		}, nil
	})
	ui, err := New(Config{Edges: []string{a.srv.URL}, AdminToken: "tok"}, Deps{Registry: reg, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	snap := ui.Monitor().Snapshot(context.Background())
	if len(snap.Sites) != 2 || snap.Sites[1].Name != "fra" || len(snap.Sites[1].Registry) != 1 || len(snap.Sites[0].Registry) != 2 ||
		len(snap.Sites[1].Parents) != 1 || snap.Sites[1].Parents[0] != "ams" {
		t.Fatalf("sites: %+v", snap.Sites)
	}
	n := snap.Sites[0].Nodes[0]
	if n.Registry == nil || n.Registry.Source != "static" || n.State != Warn || snap.Sites[0].State != Warn || snap.Summary[Warn] != 1 {
		t.Fatalf("ams-1: %+v", n)
	}
	if p := n.Problems[len(n.Problems)-1]; p.Component != "registry" || !strings.Contains(p.Message, "3m0s ago") {
		t.Fatalf("ams-1's problems: %+v", n.Problems)
	}
}
