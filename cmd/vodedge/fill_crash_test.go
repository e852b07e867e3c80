package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
)

// adminDo calls the edge's admin API with the token.
func adminDo(t *testing.T, method, url, token string, body []byte, out any) int {
	req, _ := http.NewRequest(method, url, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if out != nil {
		json.Unmarshal(b, out)
	}
	return resp.StatusCode
}

// TestFillResumesAfterKill9 pushes a manifest to an edge subprocess with
// two disks, kills it with SIGKILL mid-fill, restarts it on the same
// disks, and checks that
// it completes without fetching again the files it had finished: their
// bytes crossed the origin link exactly once.
func TestFillResumesAfterKill9(t *testing.T) {
	org := startCrashOrigin(t) // counts the bytes it sends per path
	priv, pub, err := manifest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	keyFile := filepath.Join(dir, "manifest.key")
	os.WriteFile(keyFile, []byte(priv), 0o600)
	sk, _ := manifest.LoadPrivateKey(keyFile)
	const token = "fill-crash-token-0123456789"
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte(token+"\n"), 0o600)

	m := &manifest.Manifest{Version: 1, Site: "lab"}
	for i := range 24 {
		p := fmt.Sprintf("/fill/%02d.m4s", i)
		size := objectSize(p)
		sum := sha256.Sum256(objectBytes(p, 0, size))
		m.Entries = append(m.Entries, manifest.Entry{Key: p, Size: size, SHA256: hex.EncodeToString(sum[:]), Priority: i + 1, Copies: 1, Nodes: []string{"fill-node"}})
	}
	raw, err := manifest.Sign(m, sk)
	if err != nil {
		t.Fatal(err)
	}
	d0, d1 := filepath.Join(dir, "d0"), filepath.Join(dir, "d1")
	run := func() (*proc, string) {
		listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "edge", "--listen", listen, "--admin", adminAddr, "--origin", org.URL, "--node-name", "fill-node", "--site", "lab",
			"--disk", d0+":1GiB", "--disk", d1+":1GiB", "--slice-bytes", "256KiB", "--ram-bytes", "16MiB",
			"--manifest-public-key", pub, "--fill-window", "00:00-00:00", "--fill-rate", "24Mbit", "--fill-concurrency", "2",
			"--admin-token-file", tokens, "--access-log", "off", "--log-level", "warn")
		p.waitReady(t, "http://"+adminAddr+"/readyz")
		return p, "http://" + adminAddr
	}
	p, admin := run()
	if code := adminDo(t, "PUT", admin+"/v1/fill/manifest", token, raw, nil); code != http.StatusAccepted {
		t.Fatalf("push: %d", code)
	}
	// Let a few files finish, then kill mid-fill.
	var st struct {
		FilesDone int `json:"files_done"`
		Files     int `json:"files"`
	}
	testenv.Eventually(t, 60*time.Second, "some files to finish", func() bool {
		adminDo(t, "GET", admin+"/v1/fill", token, nil, &st)
		return st.FilesDone >= 4
	})
	var listed struct {
		Objects []struct {
			Key   string `json:"key"`
			Slice int64  `json:"slice"`
		} `json:"objects"`
	}
	adminDo(t, "GET", admin+"/v1/objects?prefix=/fill/&limit=1000", token, nil, &listed)
	p.cmd.Process.Kill()
	p.wait(t, 10*time.Second)
	if st.FilesDone == st.Files {
		t.Fatal("the fill finished before the kill; slow it down")
	}
	// A file counts as finished before the kill when all its slices were
	// listed (slices become visible together, at commit).
	slices := map[string]int{}
	for _, o := range listed.Objects {
		slices[o.Key]++
	}
	var finished []string
	for k, n := range slices {
		if int64(n) == (objectSize(k)+256<<10-1)/(256<<10) {
			finished = append(finished, k)
		}
	}
	if len(finished) == 0 {
		t.Fatal("no finished file seen before the kill")
	}
	before := map[string]int64{}
	for _, k := range finished {
		before[k] = org.Sent(k)
	}

	p2, admin2 := run() // the saved manifest resumes by itself
	testenv.Eventually(t, 120*time.Second, "the fill to complete after restart", func() bool {
		var s2 struct {
			State string `json:"state"`
		}
		adminDo(t, "GET", admin2+"/v1/fill", token, nil, &s2)
		return s2.State == "done"
	})
	for _, k := range finished {
		if got := org.Sent(k); got != before[k] || got != objectSize(k) {
			t.Errorf("%s was finished before the kill but the origin sent %d bytes for it in all (size %d)", k, got, objectSize(k))
		}
	}
	var total, want int64
	for _, e := range m.Entries {
		total += org.Sent(e.Key)
		want += e.Size
	}
	t.Logf("kill -9 mid-fill: %d files finished before the kill kept; origin sent %d bytes for %d bytes of files (%.2fx)",
		len(finished), total, want, float64(total)/float64(want))
	// Every file is served whole and right.
	for _, e := range m.Entries[:3] {
		checkObject(t, http.DefaultClient, publicOf(p2)+e.Key, e.Key)
	}
}

// publicOf returns the public base URL of a started edge.
func publicOf(p *proc) string {
	args := p.cmd.Args
	for i, a := range args {
		if a == "--listen" && i+1 < len(args) {
			return "http://" + args[i+1]
		}
	}
	return ""
}
