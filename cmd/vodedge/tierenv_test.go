package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/webui"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
)

// tierEnv is a controller process (`vodedge origin`) with one published
// title and a sites file given by the test, and edges that fill from
// its manifests and fetch from origins the test picks: each origin
// serves the controller's store and counts the requests and bytes it
// answered.
type tierEnv struct {
	t           *testing.T
	dir         string
	ctl, admin  string
	pub, tokens string
	store       string
	files       map[string]catalog.File // the title's files by key
	catalogue   int64                   // their bytes
}

const tierToken = "tier-test-token-0123456789"

func newTierEnv(t *testing.T, sites string) *tierEnv {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	e := &tierEnv{t: t, dir: dir, tokens: filepath.Join(dir, "tokens"), files: map[string]catalog.File{}}
	os.WriteFile(e.tokens, []byte(tierToken+"\n"), 0o600)
	priv, pub, err := manifest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	e.pub = pub
	keyFile, sitesFile := filepath.Join(dir, "manifest.key"), filepath.Join(dir, "sites.yaml")
	os.WriteFile(keyFile, []byte(priv+"\n"), 0o600)
	os.WriteFile(sitesFile, []byte(sites), 0o600)
	src := filepath.Join(dir, "src.mp4")
	writeTestSource(t, ffmpeg, src)
	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	data := filepath.Join(dir, "data")
	ctl := start(t, "origin", "--data", data, "--listen", listen, "--admin", adminAddr, "--api-token-file", e.tokens,
		"--sites", sitesFile, "--manifest-key-file", keyFile, "--registry-grace", "10s", "--registry-new-sites",
		"--ladder", "180p,144p", "--preset", "ultrafast", "--segment-duration", "1s", "--workers", "2",
		"--ffmpeg", ffmpeg, "--ffprobe", testenv.Tool(t, "ffprobe"))
	ctl.waitReady(t, "http://"+adminAddr+"/readyz")
	e.ctl, e.admin, e.store = "http://"+listen, "http://"+adminAddr, filepath.Join(data, "store")
	title := ingestPublished(t, e.ctl, e.tokens, src, e.api)
	for _, f := range title.Files {
		e.files["/"+strings.TrimPrefix(f.Key, "/")] = f
		e.catalogue += f.Size
	}
	return e
}

// origin starts an origin serving the controller's store, counting.
func (e *tierEnv) origin() *testenv.Origin {
	o := testenv.NewOrigin(e.t)
	o.PutFunc(func(path string) (testenv.Object, bool) {
		b, err := os.ReadFile(filepath.Join(e.store, filepath.Clean("/"+path)))
		return testenv.Object{Body: b}, err == nil
	})
	return o
}

func (e *tierEnv) api(path string, out any) int {
	return (&registryEnv{t: e.t, ctl: e.ctl, token: tierToken}).api(path, out)
}

// tierEdge is an edge process of the test.
type tierEdge struct {
	name, site, url, admin string
	gossip                 string // its site cluster's gossip address, if any
	forced                 bool   // its window is closed: filled only when forced
	p                      *proc
}

// edge starts an edge of site that fills from origin o. A parent's edge
// (peer true) is in its site's cluster (joining the gossip addresses
// given), so that it has a peer listener for its children. closed gives
// it a fill window that is not open now (the test forces the fill).
func (e *tierEnv) edge(name, site string, o *testenv.Origin, peer, closed bool, join ...string) *tierEdge {
	listen, adminAddr := testenv.FreeAddr(e.t), testenv.FreeAddr(e.t)
	window := "00:00-00:00"
	if closed {
		now := time.Now()
		window = now.Add(6*time.Hour).Format("15:04") + "-" + now.Add(7*time.Hour).Format("15:04")
	}
	args := []string{"edge", "--listen", listen, "--admin", adminAddr, "--origin", o.URL, "--node-name", name, "--site", site,
		"--disk", filepath.Join(e.dir, name) + ":1GiB", "--slice-bytes", "256KiB", "--ram-bytes", "16MiB",
		"--manifest-public-key", e.pub, "--manifest-url", e.ctl + "/v1/manifests/" + site, "--manifest-token-file", e.tokens,
		"--manifest-poll", "500ms", "--heartbeat-every", "300ms", "--fill-window", window,
		"--admin-token-file", e.tokens, "--access-log", "off", "--log-level", "warn"}
	gossip := ""
	if peer {
		gossip = testenv.FreeAddr(e.t)
		args = append(args, "--cluster-insecure", "--peer-listen", testenv.FreeAddr(e.t), "--gossip-listen", gossip)
		if len(join) > 0 {
			args = append(args, "--join", strings.Join(join, ","))
		}
	}
	p := start(e.t, args...)
	p.waitReady(e.t, "http://"+adminAddr+"/readyz")
	return &tierEdge{name: name, site: site, url: "http://" + listen, admin: "http://" + adminAddr, gossip: gossip, p: p}
}

// stop ends the edge with SIGTERM.
func (e *tierEdge) stop(t *testing.T) {
	e.p.cmd.Process.Signal(syscall.SIGTERM)
	if err := e.p.wait(t, 30*time.Second); err != nil {
		t.Fatalf("%s exit: %v", e.name, err)
	}
}

// live waits until the registry lists node as live, with a peer
// address when peer is set.
func (e *tierEnv) live(site, node string, peer bool) {
	e.t.Helper()
	testenv.EventuallyErr(e.t, 20*time.Second, node+" to be live", func() error {
		var s controller.Sites
		e.api("/v1/sites", &s)
		for _, st := range s.Sites {
			for _, n := range st.Nodes {
				if st.Name == site && n.Name == node && n.State == controller.StateLive && (!peer || n.PeerAddr != "") {
					return nil
				}
			}
		}
		return fmt.Errorf("not live in %+v", s.Sites)
	})
}

// filled waits until the edge has applied a manifest holding every file
// of the title, and returns its fill status.
func (e *tierEnv) filled(ed *tierEdge) fillStatus {
	e.t.Helper()
	st, _ := e.filledN(ed, func() (int, map[string][]string) { return len(e.files), nil })
	return st
}

// filledPlan waits until the edge has applied a manifest holding the
// files site's current plan puts on it, and returns that plan.
func (e *tierEnv) filledPlan(ed *tierEdge) (fillStatus, map[string][]string) {
	e.t.Helper()
	return e.filledN(ed, func() (int, map[string][]string) {
		plan := e.plan(ed.site)
		return e.count(plan, ed.name), plan
	})
}

// filledN waits until the edge has applied a manifest holding the
// number of files want gives.
func (e *tierEnv) filledN(ed *tierEdge, want func() (int, map[string][]string)) (fillStatus, map[string][]string) {
	e.t.Helper()
	var st fillStatus
	var plan map[string][]string
	// A node whose disk index is still loading when its fill starts
	// fails its files and retries a minute later: allow for that.
	testenv.EventuallyErr(e.t, 150*time.Second, ed.name+" to fill", func() error {
		st = fillStatus{}
		adminDo(e.t, "GET", ed.admin+"/v1/fill", tierToken, nil, &st)
		if ed.forced && st.State == "waiting for window" {
			// Forcing lasts until a manifest is applied: a newer one
			// (the plan changed) waits for the window unless forced again.
			adminDo(e.t, "POST", ed.admin+"/v1/fill/now", tierToken, nil, nil)
		}
		var n int
		n, plan = want()
		if st.Applied == 0 || st.State != "done" || st.Files != n || st.Failed != 0 {
			return fmt.Errorf("fill status %+v, want %d files", st, n)
		}
		return nil
	})
	return st, plan
}

type fillStatus struct {
	Applied  int64            `json:"applied"`
	State    string           `json:"state"`
	Files    int              `json:"files"`
	Failed   int              `json:"files_failed"`
	BySource map[string]int64 `json:"bytes_by_source"`
	Err      string           `json:"last_error"`
}

// verify reads every file from the edge: a hit, and the catalogue's
// SHA-256.
func (e *tierEnv) verify(ed *tierEdge) {
	e.t.Helper()
	for key, f := range e.files {
		code, hdr, body := get(e.t, ed.url+key)
		sum := sha256.Sum256(body)
		if code != 200 || hex.EncodeToString(sum[:]) != f.SHA256 || !strings.HasPrefix(hdr.Get("X-Cache"), "HIT") {
			e.t.Fatalf("%s on %s: %d, X-Cache %q, sha256 %x, want %s", key, ed.name, code, hdr.Get("X-Cache"), sum, f.SHA256)
		}
	}
}

// requests returns the origin's request count per file.
func (e *tierEnv) requests(o *testenv.Origin) map[string]int {
	out := map[string]int{}
	for key := range e.files {
		out[key] = o.Requests(key)
	}
	return out
}

// plan returns site's current manifest: files by key with their nodes.
func (e *tierEnv) plan(site string) map[string][]string {
	e.t.Helper()
	_, p := (&registryEnv{t: e.t, ctl: e.ctl, token: tierToken, pub: e.pub}).planOf(site)
	return p
}

// peerAddr is the registry's peer address of a node.
func (e *tierEnv) peerAddr(site, node string) string {
	var s controller.Sites
	e.api("/v1/sites", &s)
	for _, st := range s.Sites {
		for _, n := range st.Nodes {
			if st.Name == site && n.Name == node {
				return n.PeerAddr
			}
		}
	}
	return ""
}

// peerGet GETs key from a peer listener with an Authorization header.
func peerGet(t *testing.T, addr, key, authorization string) int {
	req, _ := http.NewRequest(http.MethodGet, "http://"+addr+key, nil)
	if authorization != "" {
		req.Header.Set("Authorization", authorization)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// count is how many files plan puts on node.
func (e *tierEnv) count(plan map[string][]string, node string) int {
	n := 0
	for _, nodes := range plan {
		if slices.Contains(nodes, node) {
			n++
		}
	}
	return n
}

// sameRequests fails unless the origin's counts are still want.
func (e *tierEnv) sameRequests(o *testenv.Origin, want map[string]int, when string) {
	e.t.Helper()
	for key, n := range e.requests(o) {
		if n != want[key] {
			e.t.Errorf("%s: %d origin requests %s, want %d", key, n, when, want[key])
		}
	}
}

// verifyPlanned is verify for the files plan puts on the edge.
func (e *tierEnv) verifyPlanned(ed *tierEdge, plan map[string][]string) {
	e.t.Helper()
	files := e.files
	defer func() { e.files = files }()
	e.files = map[string]catalog.File{}
	for key, nodes := range plan {
		if slices.Contains(nodes, ed.name) {
			e.files[key] = files[key]
		}
	}
	e.verify(ed)
}

// statusPageParents checks the parents the controller's status page
// (/ui/api/status on its admin listener) shows for each site.
func (e *tierEnv) statusPageParents(want map[string]string) {
	e.t.Helper()
	code, body := testenv.Get(http.DefaultClient, e.admin+"/ui/api/status")
	var snap webui.Snapshot
	if code != 200 || json.Unmarshal([]byte(body), &snap) != nil {
		e.t.Fatalf("status page data: %d %s", code, body)
	}
	got := map[string]string{}
	for _, s := range snap.Sites {
		got[s.Name] = fmt.Sprint(s.Parents)
	}
	for site, w := range want {
		if got[site] != w {
			e.t.Errorf("the status page lists %s's parents as %s, want %s", site, got[site], w)
		}
	}
}
