package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/bench"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// secretMarker is planted in files outside every root; no answer may
// ever contain it.
const secretMarker = "TOP-SECRET-0d5e1c"

// traversalTargets are request targets that try to leave a directory:
// dot segments plain, percent-encoded (upper and lower case, mixed,
// double-encoded, overlong UTF-8), encoded slashes and backslashes, NUL,
// symbolic links planted inside the root, absolute-form targets,
// path-token prefixes and deep repetitions. {S} is the secret's name.
var traversalTargets = []string{
	"/../{S}", "/x/../../{S}", "/./../{S}", "//../{S}",
	"/%2e%2e/{S}", "/%2E%2E/{S}", "/.%2e/{S}", "/%2e./{S}",
	"/%2e%2e%2f{S}", "/x/%2e%2e%2f%2e%2e%2f{S}", "/..%2f{S}", "/..%2F..%2F{S}",
	"/%252e%252e/{S}", "/%252e%252e%252f{S}", "/%25%32%65%25%32%65/{S}",
	"/..%5c{S}", "/x\\..\\..\\{S}", "/%5c..%5c{S}",
	"/%c0%ae%c0%ae/{S}", "/%e0%80%ae%e0%80%ae/{S}", "/%ef%bc%8e%ef%bc%8e/{S}",
	"/x/a.m4s%00/../../{S}", "/%00/../{S}",
	"/link.m4s", "/linkdir/{S}", "/linkdir/root/x/a.m4s",
	"/..;/{S}", "/x/..;/..;/{S}",
	"/" + strings.Repeat("../", 40) + "etc/passwd", "/" + strings.Repeat("%2e%2e/", 40) + "etc/passwd",
	"/_vt/token/../../{S}", "/_vt/%2e%2e/{S}", "/_vt/../{S}",
	"http://127.0.0.1/../{S}", "/x/a.m4s/../../../{S}",
	"/x/a.m4s#/../../{S}",
}

// plantTree builds dir/root with x/a.m4s (the control file), a symbolic
// link to the secret and one to dir itself, and the secret in dir.
func plantTree(t *testing.T) (dir, root string) {
	dir = t.TempDir()
	root = filepath.Join(dir, "root")
	os.MkdirAll(filepath.Join(root, "x"), 0o755)
	os.WriteFile(filepath.Join(root, "x", "a.m4s"), []byte("segment bytes"), 0o644)
	os.WriteFile(filepath.Join(dir, "secret.txt"), []byte(secretMarker), 0o644)
	os.Symlink(filepath.Join(dir, "secret.txt"), filepath.Join(root, "link.m4s"))
	os.Symlink(dir, filepath.Join(root, "linkdir"))
	return dir, root
}

// rawGet sends target as the request line, unnormalized, and returns the
// status, body and Location.
func rawGet(t *testing.T, addr, target, token string) (int, string, string) {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	auth := ""
	if token != "" {
		auth = "Authorization: Bearer " + token + "\r\n"
	}
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%sConnection: close\r\n\r\n", target, auth)
	all, _ := io.ReadAll(c)
	line, rest, _ := bytes.Cut(all, []byte("\r\n"))
	var code int
	fmt.Sscanf(string(line), "HTTP/1.1 %d", &code)
	head, body, _ := bytes.Cut(rest, []byte("\r\n\r\n"))
	loc := ""
	for _, h := range strings.Split(string(head), "\r\n") {
		if v, ok := strings.CutPrefix(h, "Location: "); ok {
			loc = v
		}
	}
	return code, string(body), loc
}

// expectRefused sends every traversal target for secret, after prefix,
// and checks that none is answered with a success or the secret (a
// redirect is followed once: net/http's ServeMux redirects to the cleaned
// path); it logs the statuses.
func expectRefused(t *testing.T, name, addr, prefix, secret, token string, extra ...string) {
	t.Helper()
	checkTargets(t, name, addr, prefix, secret, token, false, extra...)
}

// checkTargets is expectRefused; with indexOnly a 2xx is fine (a
// listing of index keys by prefix touches no file) as long as the secret
// is not in it.
func checkTargets(t *testing.T, name, addr, prefix, secret, token string, indexOnly bool, extra ...string) {
	t.Helper()
	byStatus := map[int]int{}
	for _, tmpl := range append(traversalTargets, extra...) {
		target := prefix + strings.ReplaceAll(tmpl, "{S}", secret)
		code, body, loc := rawGet(t, addr, target, token)
		byStatus[code]++
		if code/100 == 3 && strings.HasPrefix(loc, "/") {
			target += " → " + loc
			code, body, _ = rawGet(t, addr, loc, token)
		}
		if strings.Contains(body, secretMarker) {
			t.Errorf("%s: %q served the secret (%d)", name, target, code)
		} else if code == 0 || code/100 == 2 && !indexOnly || code/100 == 5 {
			t.Errorf("%s: %q answered %d %.80q; want a 4xx", name, target, code, body)
		}
	}
	t.Logf("%s: %d traversal targets, answered by status %v", name, len(traversalTargets)+len(extra), byStatus)
}

// TestPathTraversalNeverLeavesARoot sends traversal and encoding tricks
// to every component that turns a request into a file: the edge's public
// listener over a file:// origin (cache keys, then os.Root in the
// origin), its admin API (keys for purge and stat), the file origin and
// the disk tier called directly (defence in depth, past the edge's key
// normalization), fill manifests, the controller's published-files route
// (store keys, os.Root) and the bench's origin.
func TestPathTraversalNeverLeavesARoot(t *testing.T) {
	t.Run("edge", func(t *testing.T) {
		t.Parallel()
		dir, root := plantTree(t)
		const token = "traversal-admin-token-0123456789"
		tokens := filepath.Join(dir, "tokens")
		os.WriteFile(tokens, []byte(token+"\n"), 0o600)
		listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "edge", "--listen", listen, "--admin", adminAddr, "--origin", "file://"+root, "--admin-token-file", tokens,
			"--disk-dir", filepath.Join(dir, "cache"), "--disk-bytes", "64MiB", "--access-log", "off")
		p.waitReady(t, "http://"+adminAddr+"/readyz")
		if code, body, _ := rawGet(t, listen, "/x/a.m4s", ""); code != 200 || body != "segment bytes" {
			t.Fatalf("control file: %d %q", code, body)
		}
		expectRefused(t, "edge public", listen, "", "secret.txt", "")
		// The admin API reads the tiers' index by key, never a file; a key
		// that normalizes (fullwidth dots are plain characters) may be there.
		checkTargets(t, "edge admin stat", adminAddr, "/v1/objects/stat?key=", "secret.txt", token, true)
		checkTargets(t, "edge admin list", adminAddr, "/v1/objects?prefix=", "secret.txt", token, true)
		for _, key := range []string{"/../secret.txt", "/%2e%2e/secret.txt", "/x/..%2f..%2fsecret.txt", "..\\secret.txt"} {
			req, _ := http.NewRequest("POST", "http://"+adminAddr+"/v1/purge?key="+key, nil)
			req.Header.Set("Authorization", "Bearer "+token)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 400 {
				t.Errorf("purge key %q: %d, want 400", key, resp.StatusCode)
			}
		}
		if _, err := os.Stat(filepath.Join(dir, "secret.txt")); err != nil {
			t.Fatalf("the secret was touched: %v", err)
		}
	})
	t.Run("file origin, directly", func(t *testing.T) {
		t.Parallel()
		_, root := plantTree(t)
		o, err := origin.NewFile(root)
		if err != nil {
			t.Fatal(err)
		}
		defer o.Close()
		for _, key := range []string{"/../secret.txt", "/x/../../secret.txt", "/link.m4s", "/linkdir/secret.txt", "/linkdir/root/x/a.m4s",
			"/..\\secret.txt", "/x/a.m4s\x00", "//../secret.txt", "../secret.txt", "/%2e%2e/secret.txt"} {
			obj, err := o.Fetch(context.Background(), origin.Request{Key: key, Length: -1})
			if err == nil {
				b, _ := io.ReadAll(obj.Body)
				obj.Body.Close()
				t.Errorf("file origin opened %q (%d bytes)", key, len(b))
			}
		}
	})
	t.Run("disk tier, directly", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		s, err := disktier.Open(disktier.DefaultConfig(filepath.Join(dir, "cache"), 64<<20), disktier.Deps{})
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		testenv.Eventually(t, 10*time.Second, "the disk index to load", s.Loaded)
		for _, key := range []string{"/../../escape", "../../../escape", "/x/../../../escape\x00", "\\..\\escape"} {
			w, err := s.Create(disktier.Record{Key: key, Length: 5, ObjSize: 5})
			if err != nil {
				t.Fatalf("create %q: %v", key, err)
			}
			w.Write([]byte("bytes"))
			if err := w.Commit(); err != nil {
				t.Fatalf("commit %q: %v", key, err)
			}
		}
		filepath.WalkDir(dir, func(path string, d os.DirEntry, _ error) error {
			if !d.IsDir() && !strings.HasPrefix(path, filepath.Join(dir, "cache")+"/") {
				t.Errorf("the disk tier wrote %s, outside its directory", path)
			}
			if strings.Contains(d.Name(), "escape") {
				t.Errorf("a key became a file name: %s", path)
			}
			return nil
		})
	})
	t.Run("fill manifest", func(t *testing.T) {
		t.Parallel()
		priv, pubText, err := manifest.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		keyFile := filepath.Join(t.TempDir(), "k")
		os.WriteFile(keyFile, []byte(priv), 0o600)
		sk, _ := manifest.LoadPrivateKey(keyFile)
		pub, _ := manifest.ParsePublicKey(pubText)
		for _, key := range []string{"/titles/../../etc/passwd", "titles/a.m4s", "/titles/a\\..\\b", "/titles/a\x00b", "/titles/%2e%2e/x", "/a/./../b"} {
			raw := signedManifest(t, sk, key)
			if m, err := manifest.Open(raw, pub); err == nil {
				t.Errorf("manifest with key %q accepted (%d entries)", key, len(m.Entries))
			}
		}
	})
	t.Run("controller files", func(t *testing.T) {
		t.Parallel()
		dir := t.TempDir()
		data := filepath.Join(dir, "data")
		titles := filepath.Join(data, "store", "titles", "t1")
		os.MkdirAll(titles, 0o755)
		os.WriteFile(filepath.Join(titles, "master.m3u8"), []byte("#EXTM3U\n"), 0o644)
		os.WriteFile(filepath.Join(data, "secret.txt"), []byte(secretMarker), 0o644)
		os.Symlink(filepath.Join(data, "secret.txt"), filepath.Join(titles, "link.m4s"))
		os.Symlink(data, filepath.Join(titles, "linkdir"))
		listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "origin", "--data", data, "--listen", listen, "--admin", adminAddr, "--no-api-auth",
			"--ffmpeg", testenv.Tool(t, "ffmpeg"), "--ffprobe", testenv.Tool(t, "ffprobe"))
		p.waitReady(t, "http://"+adminAddr+"/readyz")
		expectRefused(t, "controller", listen, "", "secret.txt", "",
			"/titles/t1/../../secret.txt", "/titles/t1/link.m4s", "/titles/t1/linkdir/secret.txt", "/titles/t1/%2e%2e/%2e%2e/secret.txt",
			"/titles/..%2f..%2fsecret.txt", "/titles/t1/.%2e/.%2e/secret.txt", "/titles/t1/..%5c..%5csecret.txt", "/titles/%2e%2e/db/CURRENT")
	})
	t.Run("bench origin", func(t *testing.T) {
		t.Parallel()
		_, root := plantTree(t)
		o := bench.NewOrigin(bench.OriginConfig{Root: root})
		defer o.Close()
		base, err := o.Listen("traversal")
		if err != nil {
			t.Fatal(err)
		}
		expectRefused(t, "bench origin", strings.TrimPrefix(base, "http://"), "", "secret.txt", "")
	})
}

// signedManifest signs a one-entry manifest listing key.
func signedManifest(t *testing.T, sk ed25519.PrivateKey, key string) []byte {
	m := &manifest.Manifest{Version: 1, Site: "lab", Entries: []manifest.Entry{{Key: key, Size: 1,
		SHA256: strings.Repeat("0", 64), Priority: 1, Copies: 1, Nodes: []string{"n"}}}}
	raw, err := manifest.Sign(m, sk)
	if err != nil { // Sign may refuse it already: re-encode by hand
		var b bytes.Buffer
		json.NewEncoder(&b).Encode(m)
		return b.Bytes()
	}
	return raw
}
