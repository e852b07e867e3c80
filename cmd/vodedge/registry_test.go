package main

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
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

// registryEnv is a controller process (`vodedge origin`) with one
// published title, a sites file naming site ams with one node (ams-1),
// and an origin for the edges that serves the controller's store and
// counts requests per file.
type registryEnv struct {
	t      *testing.T
	dir    string
	ctl    string // the controller's API base URL
	admin  string // the controller's admin base URL (status page)
	token  string
	tokens string // token file
	pub    string // manifest public key
	origin *testenv.Origin
	files  map[string]catalog.File // the title's files by manifest key
}

const (
	registryToken = "registry-test-token-0123456789"
	ams2Token     = "ams-2-own-token-0123456789"
)

func newRegistryEnv(t *testing.T) *registryEnv {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	e := &registryEnv{t: t, dir: dir, token: registryToken, tokens: filepath.Join(dir, "tokens"), files: map[string]catalog.File{}}
	os.WriteFile(e.tokens, []byte(registryToken+"\n"), 0o600)
	// ams-2 authenticates with a credential of its own.
	nodeTokens := filepath.Join(dir, "node-tokens")
	os.WriteFile(nodeTokens, []byte("ams-2 "+ams2Token+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "ams-2.token"), []byte(ams2Token+"\n"), 0o600)
	priv, pub, err := manifest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	e.pub = pub
	keyFile, sites := filepath.Join(dir, "manifest.key"), filepath.Join(dir, "sites.yaml")
	os.WriteFile(keyFile, []byte(priv+"\n"), 0o600)
	os.WriteFile(sites, []byte("sites:\n  - name: ams\n    nodes:\n      - {name: ams-1, weight: 1, capacity: 1GiB}\n"), 0o600)
	src := filepath.Join(dir, "src.mp4")
	writeTestSource(t, ffmpeg, src)
	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	data := filepath.Join(dir, "data")
	ctl := start(t, "origin", "--data", data, "--listen", listen, "--admin", adminAddr, "--api-token-file", e.tokens,
		"--sites", sites, "--manifest-key-file", keyFile, "--registry-grace", "2s", "--node-token-file", nodeTokens,
		"--ladder", "180p,144p", "--preset", "ultrafast", "--segment-duration", "1s", "--workers", "2",
		"--ffmpeg", ffmpeg, "--ffprobe", testenv.Tool(t, "ffprobe"))
	ctl.waitReady(t, "http://"+adminAddr+"/readyz")
	e.ctl, e.admin = "http://"+listen, "http://"+adminAddr
	title := ingestPublished(t, e.ctl, e.tokens, src, e.api)
	for _, f := range title.Files {
		e.files["/"+strings.TrimPrefix(f.Key, "/")] = f
	}
	for _, art := range []string{"art/poster.jpg", "art/thumbs.vtt", "art/preview.mp4", "video-h264-144p/iframes.m3u8"} {
		if _, ok := e.files["/titles/"+title.ID+"/"+art]; !ok { // verify then reads them from the edges
			t.Fatalf("%s is not among the published files", art)
		}
	}
	store := filepath.Join(data, "store")
	e.origin = testenv.NewOrigin(t)
	e.origin.PutFunc(func(path string) (testenv.Object, bool) {
		b, err := os.ReadFile(filepath.Join(store, filepath.Clean("/"+path)))
		return testenv.Object{Body: b}, err == nil
	})
	return e
}

// api GETs a controller API path into out and returns the status.
func (e *registryEnv) api(path string, out any) int {
	code, body := testenv.Get(http.DefaultClient, e.ctl+path, "Authorization", testenv.Bearer(e.token))
	if out != nil && code == 200 {
		if err := json.Unmarshal([]byte(body), out); err != nil {
			e.t.Fatalf("%s: %v", path, err)
		}
	}
	return code
}

// edge starts an edge of site ams that fills from the controller's
// manifests and heartbeats to its registry, with its own credential if
// it has one.
func (e *registryEnv) edge(name string) (*proc, string, string) {
	listen, adminAddr := testenv.FreeAddr(e.t), testenv.FreeAddr(e.t)
	ctlTokens := filepath.Join(e.dir, name+".token")
	if _, err := os.Stat(ctlTokens); err != nil {
		ctlTokens = e.tokens
	}
	p := start(e.t, "edge", "--listen", listen, "--admin", adminAddr, "--origin", e.origin.URL, "--node-name", name, "--site", "ams",
		"--disk", filepath.Join(e.dir, name)+":1GiB", "--slice-bytes", "256KiB", "--ram-bytes", "16MiB",
		"--manifest-public-key", e.pub, "--manifest-url", e.ctl+"/v1/manifests/ams", "--manifest-token-file", ctlTokens,
		"--manifest-poll", "500ms", "--heartbeat-every", "300ms", "--fill-window", "00:00-00:00",
		"--admin-token-file", e.tokens, "--access-log", "off", "--log-level", "warn")
	p.waitReady(e.t, "http://"+adminAddr+"/readyz")
	return p, "http://" + listen, "http://" + adminAddr
}

// plan returns the controller's current manifest: its version and the
// nodes planned for each file.
func (e *registryEnv) plan() (int64, map[string][]string) {
	e.t.Helper()
	return e.planOf("ams")
}

// planOf is plan for any site.
func (e *registryEnv) planOf(site string) (int64, map[string][]string) {
	e.t.Helper()
	pub, _ := manifest.ParsePublicKey(e.pub)
	req, _ := http.NewRequest(http.MethodGet, e.ctl+"/v1/manifests/"+site, nil)
	req.Header.Set("Authorization", "Bearer "+e.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		e.t.Fatalf("manifest: %s %s", resp.Status, raw)
	}
	version, _ := strconv.ParseInt(resp.Header.Get("X-Manifest-Version"), 10, 64)
	m, err := manifest.Expand(bytes.NewReader(raw), pub, func(hash string) ([]manifest.File, error) {
		code, b := testenv.Get(http.DefaultClient, e.ctl+"/v1/indexes/"+hash, "Authorization", testenv.Bearer(e.token))
		if code != 200 {
			return nil, fmt.Errorf("index %s: %d", hash, code)
		}
		zr, err := gzip.NewReader(strings.NewReader(b))
		if err != nil {
			return nil, err
		}
		plain, _ := io.ReadAll(zr)
		return manifest.VerifyIndex(plain, hash)
	})
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]string{}
	for _, en := range m.Entries {
		out[en.Key] = en.Nodes
	}
	return version, out
}

// nodes returns the registry's view of site ams, by node name.
func (e *registryEnv) nodes() map[string]controller.NodeView {
	var s controller.Sites
	if code := e.api("/v1/sites", &s); code != 200 {
		e.t.Fatalf("GET /v1/sites: %d", code)
	}
	out := map[string]controller.NodeView{}
	for _, site := range s.Sites {
		for _, n := range site.Nodes {
			if site.Name == "ams" {
				out[n.Name] = n
			}
		}
	}
	return out
}

// filled waits until the edge has applied manifest version v.
func (e *registryEnv) filled(admin string, v int64) {
	e.t.Helper()
	testenv.EventuallyErr(e.t, 60*time.Second, admin+" to apply manifest "+strconv.FormatInt(v, 10), func() error {
		var st struct {
			Applied int64  `json:"applied"`
			State   string `json:"state"`
			Failed  int    `json:"files_failed"`
			Err     string `json:"last_error"`
		}
		adminDo(e.t, "GET", admin+"/v1/fill", e.token, nil, &st)
		if st.Applied < v || st.State != "done" {
			return fmt.Errorf("fill status %+v", st)
		}
		return nil
	})
}

// verify reads every file from a node the plan puts it on and checks
// its bytes against the catalogue's SHA-256 and that it was a hit.
func (e *registryEnv) verify(plan map[string][]string, urls map[string]string) {
	e.t.Helper()
	for key, nodes := range plan {
		for _, n := range nodes {
			code, hdr, body := get(e.t, urls[n]+key)
			sum := sha256.Sum256(body)
			if code != 200 || hex.EncodeToString(sum[:]) != e.files[key].SHA256 || !strings.HasPrefix(hdr.Get("X-Cache"), "HIT") {
				e.t.Fatalf("%s on %s: %d, X-Cache %q, sha256 %x, want %s", key, n, code, hdr.Get("X-Cache"), sum, e.files[key].SHA256)
			}
		}
	}
}

// statusPage checks the status page's data (/ui/api/status on the
// controller's admin listener): site ams lists the registry's nodes in
// the given states, each with its last report.
func (e *registryEnv) statusPage(want map[string]string) {
	e.t.Helper()
	code, body := testenv.Get(http.DefaultClient, e.admin+"/ui/api/status")
	var snap webui.Snapshot
	if code != 200 || json.Unmarshal([]byte(body), &snap) != nil {
		e.t.Fatalf("status page data: %d %s", code, body)
	}
	got := map[string]string{}
	for _, s := range snap.Sites {
		for _, n := range s.Registry {
			if s.Name == "ams" && !n.LastReport.IsZero() {
				got[n.Name] = n.State
			}
		}
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		e.t.Fatalf("the status page lists the registry's nodes of ams as %v, want %v (registry error %q)", got, want, snap.RegistryError)
	}
}

// TestRegistryEdgesJoinAndLeave runs a controller whose sites file
// names one node of site ams and two edges: ams-1 (in the file) and
// ams-2 (known only by its heartbeats, joining first, with a credential
// of its own). Both are listed live, the manifest plans both, and both
// fill with every byte verified. Then ams-2 stops: past the grace it is
// expired, the next manifest plans every file on ams-1, which fetches
// from the origin only the files it lacked. When ams-2 comes back on
// its disk it is planned as at first and no file is fetched again.
func TestRegistryEdgesJoinAndLeave(t *testing.T) {
	e := newRegistryEnv(t)
	// ams-2 first: ams-1, in the file, is planned from the start, and
	// would fill the whole title before ams-2 joins.
	p2, url2, admin2 := e.edge("ams-2")
	testenv.EventuallyErr(t, 60*time.Second, "ams-2 to register", func() error {
		if n := e.nodes()["ams-2"]; n.State != controller.StateLive {
			return fmt.Errorf("ams-2: %+v", n)
		}
		return nil
	})
	_, url1, admin1 := e.edge("ams-1")
	urls := map[string]string{"ams-1": url1, "ams-2": url2}

	var plan1 map[string][]string
	var v1 int64
	testenv.EventuallyErr(t, 60*time.Second, "both nodes to be live and planned", func() error {
		nodes := e.nodes()
		if nodes["ams-1"].State != controller.StateLive || nodes["ams-2"].State != controller.StateLive {
			return fmt.Errorf("registry: %+v", nodes)
		}
		v1, plan1 = e.plan()
		if len(plan1) != len(e.files) {
			return fmt.Errorf("manifest plans %d of %d files", len(plan1), len(e.files))
		}
		return nil
	})
	n2 := e.nodes()["ams-2"]
	if n2.Source != controller.SourceRegistered || n2.CapacityBytes != 1<<30 || len(n2.Disks) != 1 || n2.Version == "" || n2.LastReport.IsZero() {
		t.Fatalf("the registry's ams-2: %+v", n2)
	}
	if e.nodes()["ams-1"].Source != controller.SourceStatic {
		t.Fatalf("ams-1 is not listed as static: %+v", e.nodes()["ams-1"])
	}
	e.statusPage(map[string]string{"ams-1": "live", "ams-2": "live"})
	held := map[string]int{}
	for _, nodes := range plan1 {
		for _, n := range nodes {
			held[n]++
		}
	}
	if held["ams-1"] == 0 || held["ams-2"] == 0 {
		t.Fatalf("the manifest puts %v files on the nodes, want some on each", held)
	}
	e.filled(admin1, v1)
	e.filled(admin2, v1)
	for key, nodes := range plan1 { // every copy came from the origin once
		if got := e.origin.Requests(key); got != len(nodes) {
			t.Errorf("%s: %d origin requests, want %d (one per node planned: %v)", key, got, len(nodes), nodes)
		}
	}
	e.verify(plan1, urls)

	p2.cmd.Process.Signal(syscall.SIGTERM)
	if err := p2.wait(t, 30*time.Second); err != nil {
		t.Fatalf("ams-2 exit: %v", err)
	}
	var plan2 map[string][]string
	var v2 int64
	testenv.EventuallyErr(t, 60*time.Second, "ams-2 to expire and its files to be re-planned", func() error {
		if st := e.nodes()["ams-2"].State; st != controller.StateExpired {
			return fmt.Errorf("ams-2 is %s", st)
		}
		v2, plan2 = e.plan()
		return nil
	})
	for key, nodes := range plan2 {
		if !slices.Equal(nodes, []string{"ams-1"}) {
			t.Fatalf("%s planned on %v after ams-2 left, want ams-1 only", key, nodes)
		}
	}
	if len(plan2) != len(e.files) || v2 <= v1 {
		t.Fatalf("after ams-2 left: %d files planned (want %d), version %d after %d", len(plan2), len(e.files), v2, v1)
	}
	e.statusPage(map[string]string{"ams-1": "live", "ams-2": "expired"})
	e.filled(admin1, v2)
	for key, nodes := range plan1 { // ams-1 fetched only what it lacked
		want := len(nodes)
		if !slices.Contains(nodes, "ams-1") {
			want++
		}
		if got := e.origin.Requests(key); got != want {
			t.Errorf("%s: %d origin requests in all, want %d (first planned on %v)", key, got, want, nodes)
		}
	}
	e.verify(plan2, urls)

	// ams-2 comes back on its disk: planned again as at first, it still
	// holds its files, and nobody fetches anything.
	before := map[string]int{}
	for key := range e.files {
		before[key] = e.origin.Requests(key)
	}
	_, url2, admin2 = e.edge("ams-2")
	urls["ams-2"] = url2
	var plan3 map[string][]string
	var v3 int64
	testenv.EventuallyErr(t, 20*time.Second, "ams-2 to be live and planned again", func() error {
		if st := e.nodes()["ams-2"].State; st != controller.StateLive {
			return fmt.Errorf("ams-2 is %s", st)
		}
		if v3, plan3 = e.plan(); v3 <= v2 {
			return fmt.Errorf("manifest version %d, want a newer one than %d", v3, v2)
		}
		return nil
	})
	e.filled(admin1, v3)
	e.filled(admin2, v3)
	for key, nodes := range plan3 {
		if !slices.Equal(nodes, plan1[key]) {
			t.Errorf("%s: planned on %v after ams-2 came back, on %v at first", key, nodes, plan1[key])
		}
		if got := e.origin.Requests(key); got != before[key] {
			t.Errorf("%s: %d origin requests after ams-2 came back, %d before", key, got, before[key])
		}
	}
	e.verify(plan3, urls)
	t.Logf("%d files: %d planned on ams-1 and %d on ams-2 while both reported; all %d on ams-1 after ams-2 left; as at first when it came back, with no origin request",
		len(e.files), held["ams-1"], held["ams-2"], len(plan2))
}
