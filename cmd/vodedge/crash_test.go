package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
)

func objectSize(path string) int64 {
	h := fnv.New32a()
	h.Write([]byte(path))
	return 20_000 + int64(h.Sum32()%900_000)
}

func objectBytes(path string, from, to int64) []byte {
	h := fnv.New32a()
	h.Write([]byte(path))
	seed := h.Sum32()
	b := make([]byte, to-from)
	for i := range b {
		p := uint32(from) + uint32(i)
		b[i] = byte(p*2654435761>>13) ^ byte(seed) ^ byte(p>>7)
	}
	return b
}

// crashObject is the object at path: its size and bytes are a function
// of the path, so any response can be checked without storing it.
func crashObject(path string) (testenv.Object, bool) {
	size := objectSize(path)
	return testenv.Object{
		Size: size, Bytes: func(from, to int64) []byte { return objectBytes(path, from, to) },
		ETag: `"` + strconv.FormatInt(size, 16) + `"`, ModTime: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
	}, true
}

// startCrashOrigin serves crashObject at every path.
func startCrashOrigin(t *testing.T) *testenv.Origin {
	o := testenv.NewOrigin(t)
	o.PutFunc(crashObject)
	return o
}

// TestKill9DuringWritesNeverServesBadBytes runs the edge as a
// subprocess, serving players and filling a manifest at the same time,
// kills it with SIGKILL at random moments (50 times) while it writes
// misses through to disk and fill files into it, restarts it on the same
// directory, and checks every object it serves: each response read to
// its end during the load, and a sample of everything asked before after
// each restart, must be the object's true bytes. What was stored before
// a kill is still there after it; the fill resumes by itself from the
// saved manifest and completes; at the end the index and the data files
// agree and no temp file is left. The edge has three disks, so kills
// land while writes go to several stores at once; at the end vodedge
// disks lists them, takes one offline and brings it back.
func TestKill9DuringWritesNeverServesBadBytes(t *testing.T) {
	const kills = 50
	org := startCrashOrigin(t)
	dir := t.TempDir()
	const token = "crash-admin-token-0123456789"
	tokens := filepath.Join(dir, "tokens")
	os.WriteFile(tokens, []byte(token+"\n"), 0o600)
	pub, fillManifest, fillKeys := crashManifest(t, dir)
	disks := []string{filepath.Join(dir, "d0"), filepath.Join(dir, "d1"), filepath.Join(dir, "d2")}
	r := rand.New(rand.NewPCG(42, uint64(time.Now().UnixNano())))
	var requested []string
	var stored int64
	var served, whole atomic.Int64
	next, midFill := 0, 0
	c := &http.Client{Timeout: 20 * time.Second}
	defer c.CloseIdleConnections()
	for round := 0; round <= kills; round++ {
		listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "edge", "--listen", listen, "--admin", adminAddr, "--origin", org.URL,
			"--disk", disks[0]+":1GiB", "--disk", disks[1]+":1GiB", "--disk", disks[2]+":1GiB", "--ram-bytes", "4MiB", "--slice-bytes", "256KiB",
			"--node-name", "crash-node", "--site", "lab", "--admin-token-file", tokens,
			"--manifest-public-key", pub, "--fill-window", "00:00-00:00", "--fill-rate", "4Mbit", "--fill-concurrency", "2",
			"--access-log", "off", "--log-level", "error")
		p.waitReady(t, "http://"+adminAddr+"/readyz")
		if round == 0 {
			if code := adminDo(t, "PUT", "http://"+adminAddr+"/v1/fill/manifest", token, fillManifest, nil); code != http.StatusAccepted {
				t.Fatalf("manifest push: %d", code)
			}
		}
		// What was stored before the kill is still there.
		testenv.Eventually(t, 10*time.Second, "the disk indexes to load", func() bool {
			return gauge(t, adminAddr, "vodedge_disk_index_loaded") == int64(len(disks))
		})
		if now := gauge(t, adminAddr, "vodedge_disk_objects"); now < stored {
			t.Fatalf("round %d: %d slices stored before the kill, %d after the restart", round, stored, now)
		}
		// Everything asked before must come back whole and right.
		for _, path := range sample(r, requested, 8) {
			checkObject(t, c, "http://"+listen+path, path)
		}
		if round == kills {
			testenv.Eventually(t, 120*time.Second, "the fill to complete after the last restart", func() bool {
				var st struct {
					State string `json:"state"`
				}
				adminDo(t, "GET", "http://"+adminAddr+"/v1/fill", token, nil, &st)
				return st.State == "done"
			})
			for _, k := range fillKeys {
				checkObject(t, c, "http://"+listen+k, k)
			}
			checkIndexMatchesFiles(t, adminAddr, disks...)
			for _, d := range disks {
				if countFiles(filepath.Join(d, "data")) == 0 {
					t.Errorf("nothing stored on %s: objects are not spread over the disks", d)
				}
			}
			checkDisksCommand(t, adminAddr, tokens)
			p.cmd.Process.Signal(syscall.SIGTERM)
			p.wait(t, 10*time.Second)
			break
		}
		// Load: new objects (misses written through) and files being
		// filled, read by players; killed mid-way.
		var wg sync.WaitGroup
		var stop atomic.Bool
		for w := 0; w < 4; w++ {
			paths := make([]string, 5)
			for i := range paths {
				paths[i] = fmt.Sprintf("/crash/%d.m4s", next)
				next++
			}
			paths = append(paths, fillKeys[r.IntN(len(fillKeys))])
			requested = append(requested, paths...)
			wg.Go(func() {
				for _, path := range paths {
					if stop.Load() {
						return
					}
					if readWhole(t, c, "http://"+listen+path, path) {
						whole.Add(1)
					}
					served.Add(1)
				}
			})
		}
		time.Sleep(time.Duration(20+r.IntN(250)) * time.Millisecond)
		var st struct {
			State string `json:"state"`
		}
		adminDo(t, "GET", "http://"+adminAddr+"/v1/fill", token, nil, &st)
		if st.State == "filling" {
			midFill++
		}
		stored = gauge(t, adminAddr, "vodedge_disk_objects")
		p.cmd.Process.Kill()
		stop.Store(true)
		p.wait(t, 10*time.Second)
		wg.Wait()
		c.CloseIdleConnections()
	}
	t.Logf("%d kills during serving (%d of them mid-fill): %d objects requested, %d responses during the load (%d read whole, all right; the rest cut by the kill); %d fill files complete and right",
		kills, midFill, len(requested), served.Load(), whole.Load(), len(fillKeys))
	if midFill < 5 {
		t.Errorf("only %d kills landed while the fill was running; slow the fill down", midFill)
	}
}

// readWhole GETs url; a response read to its end must be path's bytes.
// It reports whether it was read whole (a kill cuts the others).
func readWhole(t *testing.T, c *http.Client, url, path string) bool {
	resp, err := c.Get(url)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != 200 {
		return false
	}
	if !bytes.Equal(got, objectBytes(path, 0, objectSize(path))) {
		t.Errorf("%s: a complete 200 of %d bytes with wrong bytes (X-Cache %s)", path, len(got), resp.Header.Get("X-Cache"))
	}
	return true
}

// crashManifest signs a manifest of 30 files of the crash origin for
// node crash-node; it returns the public key, the manifest and its keys.
func crashManifest(t *testing.T, dir string) (string, []byte, []string) {
	priv, pub, err := manifest.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	keyFile := filepath.Join(dir, "manifest.key")
	os.WriteFile(keyFile, []byte(priv), 0o600)
	sk, err := manifest.LoadPrivateKey(keyFile)
	if err != nil {
		t.Fatal(err)
	}
	m := &manifest.Manifest{Version: 1, Site: "lab"}
	var keys []string
	for i := range 30 {
		k := fmt.Sprintf("/fill/%02d.m4s", i)
		size := objectSize(k)
		sum := sha256.Sum256(objectBytes(k, 0, size))
		m.Entries = append(m.Entries, manifest.Entry{Key: k, Size: size, SHA256: hex.EncodeToString(sum[:]), Priority: i + 1, Copies: 1, Nodes: []string{"crash-node"}})
		keys = append(keys, k)
	}
	raw, err := manifest.Sign(m, sk)
	if err != nil {
		t.Fatal(err)
	}
	return pub, raw, keys
}

func sample(r *rand.Rand, from []string, n int) []string {
	if len(from) <= n {
		return from
	}
	out := make([]string, n)
	for i := range out {
		out[i] = from[r.IntN(len(from))]
	}
	return out
}

func checkObject(t *testing.T, c *http.Client, url, path string) {
	t.Helper()
	size := objectSize(path)
	for _, rng := range []string{"", "bytes=100000-"} {
		req, _ := http.NewRequest("GET", url, nil)
		from := int64(0)
		if rng != "" && size > 100000 {
			req.Header.Set("Range", rng)
			from = 100000
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		got, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode/100 != 2 || !bytes.Equal(got, objectBytes(path, from, size)) {
			t.Fatalf("%s %s after a crash: status %d (%s), %d bytes, err %v: wrong bytes served",
				path, rng, resp.StatusCode, resp.Header.Get("X-Cache"), len(got), err)
		}
	}
}

// checkIndexMatchesFiles waits for the start-up sweep and compares the
// number of indexed slices with the data files on the disks; no temp
// file may be left.
func checkIndexMatchesFiles(t *testing.T, adminAddr string, dirs ...string) {
	t.Helper()
	var files int
	testenv.EventuallyErr(t, 15*time.Second, "the index and the data files to agree", func() error {
		files = 0
		tmp := 0
		for _, dir := range dirs {
			files += countFiles(filepath.Join(dir, "data"))
			tmp += countFiles(filepath.Join(dir, "tmp"))
		}
		indexed := gauge(t, adminAddr, "vodedge_disk_objects")
		if int64(files) != indexed || tmp != 0 {
			return fmt.Errorf("index says %d slices, data/ holds %d files, tmp/ %d", indexed, files, tmp)
		}
		return nil
	})
	t.Logf("index and data agree: %d slices", files)
}

func countFiles(dir string) int {
	n := 0
	filepath.WalkDir(dir, func(_ string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			n++
		}
		return nil
	})
	return n
}
