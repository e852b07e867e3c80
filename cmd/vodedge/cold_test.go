package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
)

// coldEnv is a controller process with one published title, its API
// token, and the manifest key and sites file (site ams, node ams-1,
// which has a node token of its own) an edge needs to fill from it.
type coldEnv struct {
	t      *testing.T
	dir    string
	ctl    string // the controller's listen URL
	token  string
	tokens string // the API token file
	pub    string
	id     string
	files  []catalog.File
}

const coldNodeToken = "ams-1-own-token-0123456789"

// newColdEnv starts the controller with extra flags (its store) and
// publishes a 2-second title.
func newColdEnv(t *testing.T, extra ...string) *coldEnv {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	e := &coldEnv{t: t, dir: dir, token: registryToken, tokens: filepath.Join(dir, "tokens")}
	os.WriteFile(e.tokens, []byte(registryToken+"\n"), 0o600)
	nodeTokens := filepath.Join(dir, "node-tokens")
	os.WriteFile(nodeTokens, []byte("ams-1 "+coldNodeToken+"\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "ams-1.token"), []byte(coldNodeToken+"\n"), 0o600)
	priv, pub, err := manifest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	e.pub = pub
	keyFile, sites := filepath.Join(dir, "manifest.key"), filepath.Join(dir, "sites.yaml")
	os.WriteFile(keyFile, []byte(priv+"\n"), 0o600)
	os.WriteFile(sites, []byte("sites:\n  - name: ams\n    nodes:\n      - {name: ams-1, weight: 1, capacity: 1GiB}\n"), 0o600)
	src := filepath.Join(dir, "src.mp4")
	if out, err := exec.Command(ffmpeg, "-v", "error", "-f", "lavfi", "-i", "testsrc2=s=320x180:r=25:d=2",
		"-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", src).CombinedOutput(); err != nil {
		t.Fatalf("%v: %s", err, out)
	}
	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	args := append([]string{"origin", "--data", filepath.Join(dir, "data"), "--listen", listen, "--admin", adminAddr,
		"--api-token-file", e.tokens, "--sites", sites, "--manifest-key-file", keyFile, "--node-token-file", nodeTokens,
		"--ladder", "180p", "--preset", "ultrafast", "--segment-duration", "1s", "--workers", "2",
		"--ffmpeg", ffmpeg, "--ffprobe", testenv.Tool(t, "ffprobe")}, extra...)
	ctl := start(t, args...)
	ctl.waitReady(t, "http://"+adminAddr+"/readyz")
	e.ctl = "http://" + listen
	out, err := exec.Command(testenv.Vodedge(t), "ingest", src, "--origin", e.ctl, "--token-file", e.tokens, "--progress", "plain").CombinedOutput()
	line := regexp.MustCompile(`(?m)^(\S+)\tpublished\t`).FindStringSubmatch(string(out))
	if err != nil || line == nil {
		t.Fatalf("ingest: %v\n%s", err, out)
	}
	e.id = line[1]
	e.files = e.title().Files
	return e
}

// title reads the title without starting a restore.
func (e *coldEnv) title() catalog.Title {
	e.t.Helper()
	var title catalog.Title
	code, body := testenv.Get(http.DefaultClient, e.ctl+"/v1/titles/"+e.id+"?restore=false", "Authorization", testenv.Bearer(e.token))
	if code != 200 || json.Unmarshal([]byte(body), &title) != nil {
		e.t.Fatalf("title %s: %d %s", e.id, code, body)
	}
	return title
}

// demote moves the title to the cold class and waits until it is there.
func (e *coldEnv) demote() {
	e.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, e.ctl+"/v1/titles/"+e.id+"/demote", nil)
	req.Header.Set("Authorization", testenv.Bearer(e.token))
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusAccepted {
		e.t.Fatalf("demote: %v %v", resp, err)
	}
	resp.Body.Close()
	e.waitClass(catalog.Cold)
}

func (e *coldEnv) waitClass(c catalog.Class) {
	e.t.Helper()
	testenv.Eventually(e.t, 2*time.Minute, "title class "+string(c), func() bool { return e.title().Class == c })
}

// edge starts edge ams-1 on origin with its own node credential and
// the controller's manifests (so it knows the controller).
func (e *coldEnv) edge(origin string, extra ...string) (pub, admin string) {
	listen, adminAddr := testenv.FreeAddr(e.t), testenv.FreeAddr(e.t)
	args := append([]string{"edge", "--listen", listen, "--admin", adminAddr, "--origin", origin, "--node-name", "ams-1", "--site", "ams",
		"--disk", filepath.Join(e.dir, "ams-1") + ":1GiB", "--slice-bytes", "256KiB", "--ram-bytes", "16MiB",
		"--manifest-public-key", e.pub, "--manifest-url", e.ctl + "/v1/manifests/ams", "--manifest-token-file", filepath.Join(e.dir, "ams-1.token"),
		"--manifest-poll", "1h", "--fill-window", "00:00-00:00",
		"--admin-token-file", e.tokens, "--access-log", "off", "--log-level", "warn"}, extra...)
	p := start(e.t, args...)
	p.waitReady(e.t, "http://"+adminAddr+"/readyz")
	return "http://" + listen, adminAddr
}

// wantRestoring checks a browser player's answer for a cold file: 503
// with a Retry-After in seconds that the page's script may read (CORS).
func wantRestoring(t *testing.T, url string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, url, nil)
	req.Header.Set("Origin", "http://player.example")
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	hdr := resp.Header
	if resp.StatusCode != http.StatusServiceUnavailable || !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(hdr.Get("Retry-After")) {
		t.Fatalf("GET %s: %d Retry-After %q %s, want 503 with Retry-After", url, resp.StatusCode, hdr.Get("Retry-After"), body)
	}
	if !strings.Contains(strings.Join(hdr.Values("Access-Control-Expose-Headers"), ","), "Retry-After") || hdr.Get("Access-Control-Allow-Origin") == "" {
		t.Fatalf("GET %s: a page on another origin cannot read Retry-After: %v", url, hdr)
	}
}

// TestColdTitleThroughAnEdge: an edge on the controller (HTTP origin)
// passes a cold title's 503 and Retry-After to the player, the request
// starts the restore, and once the title is hot the same URL plays:
// the 503 was not kept.
func TestColdTitleThroughAnEdge(t *testing.T) {
	e := newColdEnv(t)
	e.demote()
	pub, _ := e.edge(e.ctl)
	master := pub + "/titles/" + e.id + "/master.m3u8"
	wantRestoring(t, master)
	e.waitClass(catalog.Hot)
	code, _, body := get(t, master)
	if code != 200 || !strings.Contains(string(body), "#EXTM3U") {
		t.Fatalf("restored master through the edge: %d %s", code, body)
	}
}
