package fill_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"hash/maphash"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// TestManifestScale is make bench-manifest: a synthetic catalogue of
// titles × 6 renditions × 50 segments (300 files a title, so 30 M files
// is 100k titles) on a 3-node site, built and signed as the controller
// does, then applied by a real fill agent on node n1 whose store already
// holds every file (so what is measured is receiving, verifying and
// diffing, not fetching). Then version 2 (1 % of titles re-encoded,
// 0.5 % gone, 0.5 % new) goes out as a delta.
//
//	MANIFEST_FILES=1000000,10000000 go test -count=1 -v -run ManifestScale -timeout 0 ./fill/
//
// Printed per size: bytes on the wire for node n1 (manifest document,
// then the indexes of its groups) and for a node holding everything (all
// indexes); controller time to build and sign (encoding, hashing and
// compressing indexes and group lines; the planner and the synthetic
// catalogue are not counted); edge time from receiving the document to
// the manifest applied (verify, save, fetch and verify indexes, diff);
// the edge's peak growth of RSS and of Go heap over the baseline taken
// after the controller's build (the controller's own state stays
// resident, as it is the same process).
func TestManifestScale(t *testing.T) {
	sizes := os.Getenv("MANIFEST_FILES")
	if sizes == "" {
		t.Skip("MANIFEST_FILES unset (make bench-manifest)")
	}
	t.Logf("%-9s %-8s %12s %14s %14s %10s %10s %10s %10s", "files", "version", "doc bytes", "n1 index bytes", "all index bytes", "build+sign", "edge apply", "edge RSS+", "edge heap+")
	for s := range strings.SplitSeq(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(s))
		if err != nil {
			t.Fatal(err)
		}
		scaleRun(t, n)
	}
}

const scaleRenditions, scaleSegments = 6, 50

// scaleCatalogue makes the synthetic catalogue's groups.
type scaleCatalogue struct {
	titles  int
	gen     time.Duration // making up files (not counted as build)
	build   time.Duration
	groups  []manifest.Group
	indexes map[string][]byte // gzip, by hash
	bytes   int64             // all indexes, compressed
}

// sizeOf is a file's size, from its key (so the fake store needs no
// table, in either process).
func sizeOf(key string) int64 {
	h := fnv.New64a()
	h.Write([]byte(key))
	return 500_000 + int64(h.Sum64()%1_500_000)
}

func (c *scaleCatalogue) add(seed maphash.Seed, title, version int) {
	nodes := []string{"n1", "n2", "n3"}
	for r := range scaleRenditions {
		t0 := time.Now()
		prefix := fmt.Sprintf("/titles/t%06d/r%d/", title, r)
		rng := rand.New(rand.NewPCG(uint64(title)<<8|uint64(r), uint64(version)))
		files := make([]manifest.File, scaleSegments)
		var sum [32]byte
		for i := range files {
			for j := 0; j < 32; j += 8 {
				v := rng.Uint64()
				for k := range 8 {
					sum[j+k] = byte(v >> (8 * k))
				}
			}
			name := fmt.Sprintf("seg-%05d.m4s", i+1)
			files[i] = manifest.File{Name: name, Size: sizeOf(prefix + name), SHA256: hex.EncodeToString(sum[:])}
		}
		owner := int(maphash.String(seed, prefix) % 3)
		hold := []manifest.Holding{{Node: nodes[owner], Files: "0-" + strconv.Itoa(scaleSegments-1)}}
		if title%5 == 0 { // popular: the head on a second node, for a twentieth a third
			hold = append(hold, manifest.Holding{Node: nodes[(owner+1)%3], Files: "0-9"})
			if title%20 == 0 {
				hold = append(hold, manifest.Holding{Node: nodes[(owner+2)%3], Files: "0-4"})
			}
		}
		t1 := time.Now()
		g, idx := manifest.BuildGroup(prefix, files, hold, title+1)
		gz := manifest.GzipIndex(idx)
		c.indexes[g.Index] = gz
		c.bytes += int64(len(gz))
		c.groups = append(c.groups, g)
		c.gen += t1.Sub(t0)
		c.build += time.Since(t1)
	}
}

// scaleController serves indexes and counts the bytes it sends.
type scaleController struct {
	mu      sync.Mutex
	indexes map[string][]byte
	sent    atomic.Int64
}

func (c *scaleController) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	b, ok := c.indexes[strings.TrimPrefix(r.URL.Path, "/v1/indexes/")]
	c.mu.Unlock()
	if !ok {
		http.NotFound(w, r)
		return
	}
	c.sent.Add(int64(len(b)))
	w.Write(b)
}

// allHeldStore holds every file at its sizeOf size, pinned or not, in no
// memory.
type allHeldStore struct{}

func (allHeldStore) Lookup(sliceKey string) (fill.Slice, bool) {
	return fill.Slice{Key: sliceKey, ObjSize: sizeOf(cachekey.ObjectKey(sliceKey))}, true
}
func (allHeldStore) Create(fill.Slice) (fill.SliceWriter, error) { return nil, errors.New("no writes") }
func (allHeldStore) Pin(string, bool) (bool, error)              { return true, nil }
func (allHeldStore) List(string, int) ([]fill.Slice, error)      { return nil, nil }

type noOrigin struct{}

func (noOrigin) Fetch(context.Context, origin.Request) (*origin.Object, error) {
	return nil, errors.New("no origin in this benchmark")
}

// peak samples RSS and Go heap until stopped.
type peak struct {
	rss, heap atomic.Int64
	stop      chan struct{}
	done      chan struct{}
}

func watch() *peak {
	p := &peak{stop: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(p.done)
		var ms runtime.MemStats
		for {
			if r := rss(); r > p.rss.Load() {
				p.rss.Store(r)
			}
			runtime.ReadMemStats(&ms)
			if h := int64(ms.HeapInuse); h > p.heap.Load() {
				p.heap.Store(h)
			}
			select {
			case <-p.stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}()
	return p
}

func (p *peak) end() { close(p.stop); <-p.done }

func scaleRun(t *testing.T, files int) {
	titles := files / (scaleRenditions * scaleSegments)
	seed := maphash.MakeSeed()
	pub, priv := keys(t)
	cat := &scaleCatalogue{titles: titles, indexes: map[string][]byte{}}
	for ti := range titles {
		cat.add(seed, ti, 1)
	}
	t0 := time.Now()
	v1, err := manifest.NewVersion("ams", 1, time.Now(), cat.groups)
	if err != nil {
		t.Fatal(err)
	}
	doc1, err := v1.Full(priv, nil)
	if err != nil {
		t.Fatal(err)
	}
	build1 := cat.build + time.Since(t0)

	// Version 2: 1 % re-encoded, 0.5 % gone, 0.5 % new.
	cat2 := &scaleCatalogue{titles: titles, indexes: map[string][]byte{}}
	for ti := range titles + titles/200 {
		switch {
		case ti%200 == 7: // gone
		case ti%100 == 3:
			cat2.add(seed, ti, 2)
		default:
			cat2.add(seed, ti, 1)
		}
	}
	t0 = time.Now()
	v2, err := manifest.NewVersion("ams", 2, time.Now(), cat2.groups)
	if err != nil {
		t.Fatal(err)
	}
	delta, err := v2.Delta(v1, priv)
	if err != nil {
		t.Fatal(err)
	}
	build2 := cat2.build + time.Since(t0)
	ctl := &scaleController{indexes: cat.indexes}
	for h, b := range cat2.indexes {
		ctl.indexes[h] = b
	}
	cat.groups, cat2.groups, cat2.indexes = nil, nil, nil
	srv := httptest.NewServer(ctl)
	defer srv.Close()
	dir := t.TempDir()
	docs := []string{filepath.Join(dir, "v1"), filepath.Join(dir, "v2-delta")}
	os.WriteFile(docs[0], doc1, 0o644)
	os.WriteFile(docs[1], delta, 0o644)

	// The edge runs in a process of its own, so that its memory is its own.
	cmd := exec.Command(os.Args[0], "-test.run=^TestManifestScaleEdge$", "-test.v", "-test.timeout=0")
	cmd.Env = append(os.Environ(), "MANIFEST_EDGE_DOCS="+strings.Join(docs, ","), "MANIFEST_EDGE_INDEXES="+srv.URL+"/v1/indexes/",
		"MANIFEST_EDGE_KEY="+base64.StdEncoding.EncodeToString(pub))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("edge process: %v\n%s", err, out)
	}
	var results []edgeResult
	for line := range strings.SplitSeq(string(out), "\n") {
		if _, js, ok := strings.Cut(line, "EDGE-RESULT "); ok {
			var r edgeResult
			if err := json.Unmarshal([]byte(js), &r); err != nil {
				t.Fatal(err)
			}
			results = append(results, r)
		}
	}
	if len(results) != 2 {
		t.Fatalf("edge process printed %d results:\n%s", len(results), out)
	}
	mib := func(b int64) string { return fmt.Sprintf("%.1f MiB", float64(b)/(1<<20)) }
	builds := []time.Duration{build1, build2}
	docLen := []int{len(doc1), len(delta)}
	all := []int64{cat.bytes, cat2.bytes}
	for i, r := range results {
		t.Logf("%-9d %-8s %12d %14d %14d %10s %10s %10s %10s", files, []string{"full", "delta"}[i], docLen[i], r.Indexes, all[i],
			builds[i].Round(time.Millisecond), r.Elapsed.Round(time.Millisecond), mib(r.RSS), mib(r.Heap))
	}
	t.Logf("(%d titles, %d groups; synthetic files made in %s, not counted; v2's build+sign includes encoding every index again; the edge's state directory after v2: %s)",
		titles, titles*scaleRenditions, (cat.gen + cat2.gen).Round(time.Millisecond), mib(results[1].StateBytes))
}

// edgeResult is what the edge process measured for one document.
type edgeResult struct {
	Elapsed    time.Duration
	Indexes    int64 // index bytes received
	RSS, Heap  int64 // peak growth
	StateBytes int64
}

// TestManifestScaleEdge is the edge process of TestManifestScale: a fill
// agent for node n1 over a store that holds everything, offered each
// document in turn; it prints what it measured.
func TestManifestScaleEdge(t *testing.T) {
	docs := os.Getenv("MANIFEST_EDGE_DOCS")
	if docs == "" {
		t.Skip("run by TestManifestScale")
	}
	key, _ := base64.StdEncoding.DecodeString(os.Getenv("MANIFEST_EDGE_KEY"))
	var received atomic.Int64
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: countingTransport{tr, &received}}
	n := &node{name: "n1"}
	cfg := testAgentConfig(n, key, t)
	cfg.IndexURL, cfg.SliceBytes = os.Getenv("MANIFEST_EDGE_INDEXES"), 4<<20
	a, err := fill.New(cfg, fill.Deps{Store: allHeldStore{}, Origin: noOrigin{}, HTTP: client})
	if err != nil {
		t.Fatal(err)
	}
	stop := runAgent(a)
	defer stop()
	for i, path := range strings.Split(docs, ",") {
		doc, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		runtime.GC()
		debug.FreeOSMemory()
		os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) // resets the peak RSS (VmHWM)
		rss0, heap0, r0 := status("VmRSS"), heapInuse(), received.Load()
		p := watch()
		t0 := time.Now()
		if _, err := a.OfferFrom(bytes.NewReader(doc)); err != nil {
			t.Fatal(err)
		}
		doc = nil
		testenv.Eventually(t, time.Hour, "the manifest applied", func() bool { return a.Status().Applied == int64(i+1) })
		r := edgeResult{Elapsed: time.Since(t0), Indexes: received.Load() - r0}
		p.end()
		r.RSS = max(status("VmHWM"), p.rss.Load()) - rss0
		r.Heap = p.heap.Load() - heap0
		r.StateBytes = du(cfg.StateDir)
		js, _ := json.Marshal(r)
		fmt.Printf("EDGE-RESULT %s\n", js)
	}
}

// countingTransport counts the response bytes read.
type countingTransport struct {
	tr *http.Transport
	n  *atomic.Int64
}

func (c countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.tr.RoundTrip(r)
	if err == nil {
		resp.Body = countBody{resp.Body, c.n}
	}
	return resp, err
}

func heapInuse() int64 {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return int64(ms.HeapInuse)
}

// status reads a "kB" field of /proc/self/status, in bytes.
func status(field string) int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for line := range strings.SplitSeq(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+":"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

func du(dir string) int64 {
	var sum int64
	filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() {
			sum += fi.Size()
		}
		return nil
	})
	return sum
}

// rss is the process's resident set size in bytes (Linux).
func rss() int64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, _ := strconv.ParseInt(f[1], 10, 64)
	return pages * int64(os.Getpagesize())
}
