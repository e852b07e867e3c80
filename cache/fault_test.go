package cache

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// getChecked fetches url and checks the one property every fault must
// keep: a response read to its end without error is the object's true
// bytes. It returns the status, X-Cache and whether the body was whole.
func getChecked(t *testing.T, c *http.Client, url string, size int64) (int, string, bool) {
	t.Helper()
	resp, err := c.Get(url)
	if err != nil {
		return 0, "", false
	}
	defer resp.Body.Close()
	body, rerr := io.ReadAll(resp.Body)
	if resp.StatusCode == 200 && rerr == nil {
		if !bytes.Equal(body, testenv.PatternBytes(0, size)) {
			t.Fatalf("%s: a complete-looking 200 of %d bytes with wrong bytes (X-Cache %s)", url, len(body), resp.Header.Get("X-Cache"))
		}
		return 200, resp.Header.Get("X-Cache"), true
	}
	if resp.StatusCode == 200 && int64(len(body)) >= size {
		t.Fatalf("%s: %d bytes read, then %v: a cut body as long as the object", url, len(body), rerr)
	}
	return resp.StatusCode, resp.Header.Get("X-Cache"), false
}

// TestOriginFaultsNeverServeABadBody puts the origin in one fault mode
// after another — garbage instead of HTTP, a body shorter than its
// Content-Length, a 206 for other bytes than asked, a Content-Range whose
// length differs from the body's, a body that stalls — and checks that
// no client ever reads a complete response with wrong bytes, that the
// fault is counted in vodedge_edge_origin_fetches_total, and that the
// next request after the origin heals is served whole.
func TestOriginFaultsNeverServeABadBody(t *testing.T) {
	const size = 600_000 // three 256 KiB slices
	o := testenv.NewOrigin(t)
	var mode atomic.Value
	mode.Store("")
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		m := mode.Load().(string)
		switch {
		case m == "":
			return false
		case m == "garbage":
			c, rw, err := http.NewResponseController(w).Hijack()
			if err != nil {
				t.Errorf("garbage: hijacking the connection: %v", err)
				return true
			}
			rw.WriteString("\x00\x01SSH-2.0-OpenSSH_9.6\r\n\xff\xfe garbage, not HTTP\r\n\r\n")
			rw.Flush()
			c.Close()
		case m == "short":
			w.Header().Set("Content-Length", fmt.Sprint(size))
			w.WriteHeader(200)
			w.Write(testenv.PatternBytes(0, 1000))
			w.(http.Flusher).Flush()
			panic(http.ErrAbortHandler)
		case m == "wrong-range":
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 100-199/%d", size))
			w.WriteHeader(206)
			w.Write(testenv.PatternBytes(100, 200))
		case m == "range-length":
			w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-262143/%d", size))
			w.Header().Set("Content-Length", "1000")
			w.WriteHeader(206)
			w.Write(testenv.PatternBytes(0, 1000))
		case m == "stall":
			w.Header().Set("Content-Length", fmt.Sprint(size))
			w.WriteHeader(200)
			w.Write(testenv.PatternBytes(0, 70_000))
			w.(http.Flusher).Flush()
			select {
			case <-time.After(5 * time.Second):
			case <-r.Context().Done():
			}
		}
		return true
	})
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{HeaderTimeout: time.Second, IdleReadTimeout: 300 * time.Millisecond}))
	c := client(t)
	for i, m := range []string{"garbage", "short", "wrong-range", "range-length", "stall"} {
		t.Run(m, func(t *testing.T) {
			path := fmt.Sprintf("/fault/%d.m4s", i)
			o.PutPattern(path, size)
			before := failedFetches(t, e)
			mode.Store(m)
			for range 3 {
				code, tier, whole := getChecked(t, c, e.url+path, size)
				if whole {
					t.Fatalf("a whole 200 (%s) while the origin answers %s", tier, m)
				}
				if code != 0 && code != 200 && code/100 != 5 {
					t.Fatalf("status %d while the origin answers %s", code, m)
				}
			}
			// The fetch records its outcome as it ends, which may be just
			// after the client got its answer.
			testenv.Eventually(t, 5*time.Second, "the failed origin fetch to be counted", func() bool {
				return failedFetches(t, e) > before
			})
			mode.Store("")
			testenv.Eventually(t, 5*time.Second, "the edge to serve the object whole again", func() bool {
				_, _, whole := getChecked(t, c, e.url+path, size)
				return whole
			})
			t.Logf("%s: failed fetches counted, healed by itself", m)
		})
	}
}

// failedFetches is the number of origin fetches whose result was not ok.
func failedFetches(t *testing.T, e *edge) float64 {
	t.Helper()
	const name = "vodedge_edge_origin_fetches_total"
	return testenv.Metric(t, e.reg, name) - testenv.Metric(t, e.reg, name, "result", "ok")
}

// faultyFS fails the disk tier's writes on demand, with EIO or ENOSPC
// after a given number of bytes of each file.
type faultyFS struct {
	disktier.OSFS
	err   atomic.Pointer[error] // error to fail writes with; nil: none
	after int64                 // bytes of a file written before failing
}

type faultyFile struct {
	disktier.WriteFile
	fs *faultyFS
	n  int64
}

func (f *faultyFile) Write(p []byte) (int, error) {
	if err := f.fs.err.Load(); err != nil && f.n+int64(len(p)) > f.fs.after {
		// The bytes up to after go in, then the fault: a file cut
		// part-way, whatever the size of the writes.
		k, _ := f.WriteFile.Write(p[:max(f.fs.after-f.n, 0)])
		f.n += int64(k)
		return k, *err
	}
	f.n += int64(len(p))
	return f.WriteFile.Write(p)
}

func (f *faultyFS) CreateTemp() (disktier.WriteFile, error) {
	w, err := f.OSFS.CreateTemp()
	if err != nil {
		return nil, err
	}
	return &faultyFile{WriteFile: w, fs: f}, nil
}

// TestDiskFaultsNeverCorruptAndRecover runs an edge whose disk tier's
// writes fail (EIO, then ENOSPC part-way through files) and whose disk
// then fills up: every client still gets whole, right bytes from the
// fetch; nothing half-written becomes visible; the tier turns degraded
// (vodedge_disk_degraded, /readyz detail, io errors counted) and
// recovers by itself once the disk heals, storing new objects again.
func TestDiskFaultsNeverCorruptAndRecover(t *testing.T) {
	const size = 300_000
	o := testenv.NewOrigin(t)
	dir := t.TempDir()
	fsys := &faultyFS{OSFS: disktier.OSFS{Root: dir}, after: 100_000}
	var free atomic.Int64
	free.Store(10 << 30)
	var store *disktier.Store
	open := func(reg prometheus.Registerer) *disktier.Store {
		cfg := disktier.DefaultConfig(dir, 256<<20)
		cfg.ScrubBytesPerSec, cfg.MinFreeBytes = 0, 1<<30
		cfg.MaxErrors, cfg.ErrorWindow = 3, 6*time.Second // wide: a loaded machine spreads the errors out, and the degraded state must last while it is checked
		s, err := disktier.Open(cfg, disktier.Deps{FS: fsys, Registerer: reg, FreeBytes: func() (int64, error) { return free.Load(), nil }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		testenv.Eventually(t, 10*time.Second, "the disk index to load", s.Loaded)
		store = s
		return s
	}
	e := startEdgeDisk(t, smallRAM(), httpOrigin(t, o, origin.HTTPOptions{}), open)
	c := client(t)
	next := 0
	serveNew := func(what string) string {
		path := fmt.Sprintf("/disk/%d.m4s", next)
		next++
		o.PutPattern(path, size)
		for range 2 {
			if code, tier, whole := getChecked(t, c, e.url+path, size); !whole {
				t.Fatalf("%s: %s answered %d (%s), want the whole object", what, path, code, tier)
			}
		}
		waitIdle(t, e)
		return path
	}
	onDisk := func(path string) bool { _, ok := store.Lookup(path, false); return ok }

	for _, fault := range []error{errors.New("injected: input/output error"), syscall.ENOSPC} {
		errsBefore := testenv.Metric(t, e.reg, "vodedge_disk_io_errors_total")
		fsys.err.Store(&fault)
		var failed []string
		for range 4 {
			failed = append(failed, serveNew(fmt.Sprint(fault)))
		}
		for _, p := range failed {
			if onDisk(p) {
				t.Fatalf("%v: %s is visible on disk although its writes failed", fault, p)
			}
		}
		testenv.Eventually(t, 30*time.Second, "the tier to turn degraded", func() bool { return store.Degraded() != "" })
		if ok, detail := e.srv.Status(); !ok || !strings.Contains(detail, "degraded") {
			t.Fatalf("readyz while degraded: %v %q", ok, detail)
		}
		if g := testenv.Metric(t, e.reg, "vodedge_disk_degraded"); g != 1 {
			t.Fatalf("vodedge_disk_degraded = %v", g)
		}
		if n := testenv.Metric(t, e.reg, "vodedge_disk_io_errors_total"); n <= errsBefore {
			t.Fatalf("%v: vodedge_disk_io_errors_total stayed at %v", fault, n)
		}
		fsys.err.Store(nil)
		testenv.Eventually(t, 30*time.Second, "the tier to recover after the errors stop", func() bool { return store.Degraded() == "" })
		stored := serveNew("healed")
		testenv.Eventually(t, 30*time.Second, "a new object to be stored", func() bool { return onDisk(stored) })
		t.Logf("%v: %d objects served whole while their writes failed; degraded, then recovered", fault, len(failed))
	}

	free.Store(100 << 20) // under MinFreeBytes
	testenv.Eventually(t, 30*time.Second, "disk full", func() bool { return store.Degraded() == "disk full" })
	full := serveNew("disk full")
	if onDisk(full) {
		t.Fatal("an object was stored on a full disk")
	}
	free.Store(10 << 30)
	testenv.Eventually(t, 30*time.Second, "space to come back", func() bool { return store.Degraded() == "" })
	stored := serveNew("space back")
	testenv.Eventually(t, 30*time.Second, "storing again", func() bool { return onDisk(stored) })
	entries, _ := os.ReadDir(dir + "/tmp")
	if len(entries) != 0 {
		t.Fatalf("%d half-written files left in tmp/", len(entries))
	}
}
