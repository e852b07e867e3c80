package cache

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// diskOpener opens a disk tier in dir for startEdgeDisk, closing it at
// cleanup (after the edge's shutdown, which was registered before).
func diskOpener(t *testing.T, dir string, deps disktier.Deps, opts ...func(*disktier.Config)) func(prometheus.Registerer) *disktier.Store {
	return func(reg prometheus.Registerer) *disktier.Store {
		cfg := disktier.DefaultConfig(dir, 256<<20)
		cfg.ScrubBytesPerSec = 0
		cfg.MinFreeBytes = 0
		for _, o := range opts {
			o(&cfg)
		}
		deps.Registerer = reg
		s, err := disktier.Open(cfg, deps)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		testenv.Eventually(t, 10*time.Second, "the disk index to load", s.Loaded)
		return s
	}
}

// smallRAM makes the RAM tier hold only a few slices.
func smallRAM() Config {
	c := testConfig()
	c.RAMBytes = 1 << 20
	return c
}

// waitIdle waits until no origin fetch or disk write is in flight, so
// write-through has committed.
func waitIdle(t *testing.T, e *edge) {
	testenv.Eventually(t, 10*time.Second, "fetches to finish", func() bool {
		e.srv.flights.mu.Lock()
		defer e.srv.flights.mu.Unlock()
		return len(e.srv.flights.m) == 0
	})
	// Fetches that are not in the flight map (a request with
	// Authorization is fetched uncollapsed, and may still store what it
	// got) end too. Polled, not WaitGroup.Wait: a Wait while the server
	// still serves races the next request's Add (the race detector
	// cannot see the order the test's requests give them).
	testenv.Eventually(t, 10*time.Second, "uncollapsed fetches and disk writes to end", func() bool {
		return e.srv.flights.running.Load() == 0
	})
}

func TestDiskServesWhatRAMEvicted(t *testing.T) {
	o := testenv.NewOrigin(t)
	for i := range 20 {
		o.PutPattern(fmt.Sprintf("/s/%d.m4s", i), 200_000)
	}
	e := startEdgeDisk(t, smallRAM(), httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, t.TempDir(), disktier.Deps{}))
	c := client(t)
	for i := range 20 {
		do(t, c, "GET", e.url+fmt.Sprintf("/s/%d.m4s", i))
	}
	waitIdle(t, e)
	before := o.Requests("")
	tiers := map[string]int{}
	for i := range 20 {
		r := do(t, c, "GET", e.url+fmt.Sprintf("/s/%d.m4s", i), "Range", "bytes=1000-150999")
		if r.status != 206 || !bytes.Equal(r.body, testenv.PatternBytes(1000, 151000)) {
			t.Fatalf("object %d: %d, %d bytes", i, r.status, len(r.body))
		}
		tiers[r.header.Get("X-Cache")]++
	}
	if o.Requests("") != before {
		t.Fatalf("origin asked again (%d requests) for objects on disk", o.Requests("")-before)
	}
	if tiers["HIT-DISK"] == 0 {
		t.Fatalf("no disk hits: %v", tiers)
	}
}

func TestRestartServesFromDiskWithoutOrigin(t *testing.T) {
	dir := t.TempDir()
	o := testenv.NewOrigin(t)
	const big = 3*256<<10 + 999 // four slices
	o.PutPattern("/big.mp4", big)
	o.PutPattern("/small.m4s", 5000)
	cfg := smallRAM()
	e1 := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{}))
	c := client(t)
	do(t, c, "GET", e1.url+"/big.mp4")
	do(t, c, "GET", e1.url+"/small.m4s")
	waitIdle(t, e1)
	e1.srv.Shutdown(t.Context())
	e1.srv.tiers.disk.Close()
	fetched := o.Requests("")

	e2 := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{}))
	for pass := range 3 { // verified first read, then sendfile
		for _, tc := range []struct {
			path, rng string
			from, to  int64
		}{
			{"/big.mp4", "", 0, big},
			{"/big.mp4", "bytes=200000-600000", 200000, 600001},
			{"/big.mp4", "bytes=-10", big - 10, big},
			{"/small.m4s", "", 0, 5000},
			{"/small.m4s", "bytes=10-19", 10, 20},
		} {
			r := do(t, c, "GET", e2.url+tc.path, "Range", tc.rng)
			if !bytes.Equal(r.body, testenv.PatternBytes(tc.from, tc.to)) {
				t.Fatalf("pass %d %s %s: %d, %d bytes", pass, tc.path, tc.rng, r.status, len(r.body))
			}
			if pass == 0 && tc.rng == "" && r.header.Get("X-Cache") != "HIT-DISK" {
				t.Fatalf("%s after restart: X-Cache %s", tc.path, r.header.Get("X-Cache"))
			}
		}
	}
	if o.Requests("") != fetched {
		t.Fatalf("origin asked %d times after restart", o.Requests("")-fetched)
	}
}

func TestCorruptDiskBytesAreNeverServed(t *testing.T) {
	dir := t.TempDir()
	o := testenv.NewOrigin(t)
	o.PutPattern("/c.mp4", 2*256<<10) // two slices
	cfg := smallRAM()
	e1 := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{}))
	c := client(t)
	do(t, c, "GET", e1.url+"/c.mp4")
	waitIdle(t, e1)
	e1.srv.Shutdown(t.Context())
	e1.srv.tiers.disk.Close()
	// Rot the second slice on disk.
	files := 0
	filepath.WalkDir(filepath.Join(dir, "data"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			files++
			b, _ := os.ReadFile(p)
			if !bytes.Equal(b[:100], testenv.PatternBytes(0, 100)) { // not the first slice
				b[70000] ^= 0xff
				os.WriteFile(p, b, 0o644)
			}
		}
		return nil
	})
	if files != 2 {
		t.Fatalf("%d data files, want 2", files)
	}
	e2 := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{}))
	resp, err := c.Get(e2.url + "/c.mp4")
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err == nil {
		t.Fatal("a response with a corrupt slice was completed")
	}
	if !bytes.Equal(got, testenv.PatternBytes(0, int64(len(got)))) {
		t.Fatal("bytes before the cut differ from the origin's")
	}
	if len(got) > 256<<10+70000 {
		t.Fatalf("client received %d bytes: the corrupt chunk went out", len(got))
	}
	r := do(t, c, "GET", e2.url+"/c.mp4")
	if r.status != 200 || !bytes.Equal(r.body, testenv.PatternBytes(0, 2*256<<10)) {
		t.Fatalf("after eviction: %d, %d bytes", r.status, len(r.body))
	}
	if n := testenv.Metric(t, e2.reg, "vodedge_disk_checksum_failures_total"); n != 1 {
		t.Fatalf("checksum failures metric = %v", n)
	}
}

// brokenFS fails every open of a data file.
type brokenFS struct{ disktier.OSFS }

func (brokenFS) Open(string) (*os.File, error) {
	return nil, fmt.Errorf("injected: input/output error")
}

func TestUnreadableDiskObjectIsAMiss(t *testing.T) {
	dir := t.TempDir()
	o := testenv.NewOrigin(t)
	o.PutPattern("/u.m4s", 100_000)
	cfg := smallRAM()
	e1 := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{}))
	c := client(t)
	do(t, c, "GET", e1.url+"/u.m4s")
	waitIdle(t, e1)
	e1.srv.Shutdown(t.Context())
	e1.srv.tiers.disk.Close()

	e2 := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{FS: brokenFS{disktier.OSFS{Root: dir}}}))
	r := do(t, c, "GET", e2.url+"/u.m4s")
	if r.status != 200 || !bytes.Equal(r.body, testenv.PatternBytes(0, 100_000)) {
		t.Fatalf("unreadable disk object: %d, %d bytes", r.status, len(r.body))
	}
	if o.Requests("") != 2 {
		t.Fatalf("origin requests %d, want a refetch", o.Requests(""))
	}
}

func TestAdminAPI(t *testing.T) {
	o := testenv.NewOrigin(t)
	for _, p := range []string{"/t1/a.m4s", "/t1/b.m4s", "/t2/a.m4s"} {
		o.PutPattern(p, 300_000) // two slices each
	}
	e := startEdgeDisk(t, smallRAM(), httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, t.TempDir(), disktier.Deps{}))
	c := client(t)
	for _, p := range []string{"/t1/a.m4s", "/t1/b.m4s", "/t2/a.m4s"} {
		do(t, c, "GET", e.url+p)
	}
	waitIdle(t, e)
	const token = "test-token-0123456789abcdef"
	api := httptest.NewServer(admin.RequireToken([]string{token}, nil, e.srv.AdminRoutes()))
	defer api.Close()
	call := func(method, path, tok string) (int, map[string]any) {
		req, _ := http.NewRequest(method, api.URL+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	for _, route := range e.srv.AdminRoutes().Patterns() {
		m, p, _ := strings.Cut(route, " ")
		if code, _ := call(m, p+"?key=/t1/a.m4s", ""); code != 401 {
			t.Errorf("%s without a token: %d, want 401", route, code)
		}
		if code, _ := call(m, p+"?key=/t1/a.m4s", "wrong-token-0123456789"); code != 401 {
			t.Errorf("%s with a wrong token: %d, want 401", route, code)
		}
	}
	code, st := call("GET", "/v1/objects/stat?key=/t1/a.m4s", token)
	slices, _ := st["slices"].([]any)
	if code != 200 || len(slices) != 2 {
		t.Fatalf("stat: %d %v", code, st)
	}
	first := slices[0].(map[string]any)
	if first["object_size"].(float64) != 300_000 || len(first["crc32c"].([]any)) == 0 || !strings.Contains(fmt.Sprint(first["tiers"]), "disk") {
		t.Fatalf("stat slice 0: %v", first)
	}
	if code, l := call("GET", "/v1/objects?prefix=/t1/", token); code != 200 || len(l["objects"].([]any)) != 4 {
		t.Fatalf("list /t1/: %d %v", code, l)
	}
	if code, _ := call("POST", "/v1/purge?key=/a/../etc/passwd", token); code != 400 {
		t.Fatalf("purge of a traversal path: %d", code)
	}
	if code, _ := call("POST", "/v1/purge", token); code != 400 {
		t.Fatalf("purge without key or prefix: %d", code)
	}
	code, res := call("POST", "/v1/purge?prefix=/t1/", token)
	if code != 200 || res["objects"].(float64) != 2 {
		t.Fatalf("purge /t1/: %d %v", code, res)
	}
	code, res = call("POST", "/v1/purge?key=/t2/a.m4s", token)
	if code != 200 || res["objects"].(float64) != 1 {
		t.Fatalf("purge /t2/a.m4s: %d %v", code, res)
	}
	if code, _ := call("GET", "/v1/objects/stat?key=/t1/a.m4s", token); code != 404 {
		t.Fatalf("stat after purge: %d", code)
	}
	before := o.Requests("")
	if r := do(t, c, "GET", e.url+"/t1/a.m4s"); r.header.Get("X-Cache") != "MISS" {
		t.Fatalf("after purge: X-Cache %s", r.header.Get("X-Cache"))
	}
	if o.Requests("") == before {
		t.Fatal("purged object served without going to the origin")
	}
}

// TestShortDiskFileIsRefetched: when a disk object's data file has lost
// its tail, whether the edge reads the file into the response, sends it
// with sendfile or streams it through the verifying reader (a sampled
// read), the store evicts the object and the edge fetches it from the
// origin again. With the length checked on every hit (SizeCheck 0) the
// edge never answers short; with it trusted for a while (the default
// 1 s), the hit right after the cut may be cut short, never whole with
// wrong bytes, and the next one is refetched.
func TestShortDiskFileIsRefetched(t *testing.T) {
	for _, size := range []int64{20_000, 100_000} {
		for _, verify := range []float64{0, 1} {
			for _, check := range []time.Duration{0, time.Hour} {
				t.Run(fmt.Sprintf("%d/verify-%v/check-%v", size, verify, check), func(t *testing.T) { testShortDiskFile(t, size, verify, check) })
			}
		}
	}
}

func testShortDiskFile(t *testing.T, size int64, verify float64, check time.Duration) {
	dir := t.TempDir()
	o := testenv.NewOrigin(t)
	o.PutPattern("/s.m4s", size)
	cfg := testConfig()
	cfg.RAMBytes = 0
	knobs := func(c *disktier.Config) { c.VerifySample, c.SizeCheck = verify, check }
	e := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{}, knobs))
	c := client(t)
	do(t, c, "GET", e.url+"/s.m4s")
	waitIdle(t, e)
	for range 2 {
		if r := do(t, c, "GET", e.url+"/s.m4s"); r.header.Get("X-Cache") != "HIT-DISK" || !bytes.Equal(r.body, testenv.PatternBytes(0, size)) {
			t.Fatalf("disk hit: X-Cache %q, %d bytes", r.header.Get("X-Cache"), len(r.body))
		}
	}
	cutDataFiles(t, dir, 10_000)
	if check > 0 {
		// Trusted since its open: a send ends short (a verified read
		// finds the cut before the header), and the slice is evicted.
		if _, _, whole := getChecked(t, c, e.url+"/s.m4s", size); whole && verify == 0 {
			t.Fatal("a sendfile hit on a file cut while trusted was whole")
		}
		waitIdle(t, e)
	}
	r := do(t, c, "GET", e.url+"/s.m4s")
	if r.status != 200 || !bytes.Equal(r.body, testenv.PatternBytes(0, size)) {
		t.Fatalf("short disk file: %d, %d bytes", r.status, len(r.body))
	}
	if n := o.Requests(""); n != 2 {
		t.Fatalf("origin requests %d, want one refetch after the cut", n)
	}
}

// cutDataFiles cuts every data file under dir to n bytes.
func cutDataFiles(t *testing.T, dir string, n int64) {
	t.Helper()
	var cut int
	filepath.WalkDir(filepath.Join(dir, "data"), func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			if err := os.Truncate(p, n); err != nil {
				t.Fatal(err)
			}
			cut++
		}
		return nil
	})
	if cut == 0 {
		t.Fatal("no data file to cut")
	}
}
