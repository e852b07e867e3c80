package main

import (
	"bufio"
	"bytes"
	"fmt"
	"hash/fnv"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// crashOrigin serves objects whose bytes are a function of their path,
// so any response can be checked without storing it.
type crashOrigin struct {
	srv *http.Server
	url string
}

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

type objReader struct {
	path      string
	pos, size int64
}

func (r *objReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	n := min(int64(len(p)), r.size-r.pos)
	copy(p, objectBytes(r.path, r.pos, r.pos+n))
	r.pos += n
	return int(n), nil
}

func (r *objReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		r.pos = off
	case io.SeekEnd:
		r.pos = r.size + off
	default:
		r.pos += off
	}
	return r.pos, nil
}

func startCrashOrigin(t *testing.T) *crashOrigin {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &crashOrigin{url: "http://" + ln.Addr().String()}
	o.srv = &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"`+strconv.FormatInt(objectSize(r.URL.Path), 16)+`"`)
		http.ServeContent(w, r, "x.m4s", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), &objReader{path: r.URL.Path, size: objectSize(r.URL.Path)})
	})}
	go o.srv.Serve(ln)
	t.Cleanup(func() { o.srv.Close() })
	return o
}

// TestKill9DuringWritesNeverServesBadBytes runs the edge as a
// subprocess, kills it with SIGKILL at random moments while it writes
// misses through to disk, restarts it on the same directory, and checks
// every object it serves against the origin. At the end the index and
// the data files must agree.
func TestKill9DuringWritesNeverServesBadBytes(t *testing.T) {
	const kills = 20
	org := startCrashOrigin(t)
	dir := t.TempDir()
	r := rand.New(rand.NewPCG(42, uint64(time.Now().UnixNano())))
	var requested []string
	var stored int64
	next := 0
	c := &http.Client{Timeout: 20 * time.Second}
	defer c.CloseIdleConnections()
	for round := 0; round <= kills; round++ {
		listen, adminAddr := freeAddr(t), freeAddr(t)
		p := start(t, "edge", "--listen", listen, "--admin", adminAddr, "--origin", org.url,
			"--disk-dir", dir, "--disk-bytes", "256MiB", "--ram-bytes", "4MiB", "--slice-bytes", "256KiB",
			"--access-log", "off", "--log-level", "error")
		p.waitReady(t, "http://"+adminAddr+"/readyz")
		// What was stored before the kill is still there.
		eventually(t, 10*time.Second, "the disk index to load", func() bool {
			return scrapeGauge(t, c, "http://"+adminAddr+"/metrics", "vodedge_disk_index_loaded") == 1
		})
		if now := scrapeGauge(t, c, "http://"+adminAddr+"/metrics", "vodedge_disk_objects"); now < stored {
			t.Fatalf("round %d: %d slices stored before the kill, %d after the restart", round, stored, now)
		}
		// Everything asked before must come back whole and right.
		for _, path := range sample(r, requested, 15) {
			checkObject(t, c, "http://"+listen+path, path)
		}
		if round == kills {
			checkIndexMatchesFiles(t, c, adminAddr, dir)
			p.cmd.Process.Signal(syscall.SIGTERM)
			p.wait(t, 10*time.Second)
			break
		}
		// Load: new objects (misses written through), killed mid-way.
		var wg sync.WaitGroup
		var stop atomic.Bool
		for w := 0; w < 4; w++ {
			paths := make([]string, 6)
			for i := range paths {
				paths[i] = fmt.Sprintf("/crash/%d.m4s", next)
				next++
			}
			requested = append(requested, paths...)
			wg.Go(func() {
				for _, path := range paths {
					if stop.Load() {
						return
					}
					resp, err := c.Get("http://" + listen + path)
					if err == nil {
						io.Copy(io.Discard, resp.Body)
						resp.Body.Close()
					}
				}
			})
		}
		time.Sleep(time.Duration(20+r.IntN(200)) * time.Millisecond)
		stored = scrapeGauge(t, c, "http://"+adminAddr+"/metrics", "vodedge_disk_objects")
		p.cmd.Process.Kill()
		stop.Store(true)
		p.wait(t, 10*time.Second)
		wg.Wait()
		c.CloseIdleConnections()
	}
	t.Logf("%d kills, %d objects requested", kills, len(requested))
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
// number of indexed slices with the data files on disk; no temp file may
// be left.
func checkIndexMatchesFiles(t *testing.T, c *http.Client, adminAddr, dir string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		files := countFiles(filepath.Join(dir, "data"))
		indexed := scrapeGauge(t, c, "http://"+adminAddr+"/metrics", "vodedge_disk_objects")
		if int64(files) == indexed && countFiles(filepath.Join(dir, "tmp")) == 0 {
			t.Logf("index and data agree: %d slices", files)
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("index says %d slices, data/ holds %d files, tmp/ %d", indexed, files, countFiles(filepath.Join(dir, "tmp")))
		}
		time.Sleep(50 * time.Millisecond)
	}
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

func scrapeGauge(t *testing.T, c *http.Client, url, name string) int64 {
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) == 2 && f[0] == name {
			v, _ := strconv.ParseFloat(f[1], 64)
			return int64(v)
		}
	}
	t.Fatalf("%s not in /metrics", name)
	return 0
}
