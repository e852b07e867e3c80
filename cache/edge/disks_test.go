package edge_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/internal/testenv"
)

const diskToken = "disks-admin-token-0123456789"

// disksConfig is a node with three disks (d0, d1, d2), no RAM tier (so
// hits are disk hits) and an admin token; it returns the disks' paths.
func disksConfig(t *testing.T, originURL string) (edge.Config, []string) {
	cfg := testConfig(t)
	disk := disktier.DefaultConfig("", 0)
	disk.ScrubBytesPerSec, disk.MinFreeBytes = 0, 0
	disk.MaxErrors, disk.FailErrors = 2, 5
	root := t.TempDir()
	var paths []string
	for i := range 3 {
		p := filepath.Join(root, fmt.Sprintf("d%d", i))
		disk.Disks, paths = append(disk.Disks, disktier.Disk{Path: p, CapacityBytes: 64 << 20}), append(paths, p)
	}
	cfg.Disk, cfg.Cache.RAMBytes, cfg.AdminTokens, cfg.Origin = &disk, 0, []string{diskToken}, originURL
	return cfg, paths
}

// objBytes is the content of the test object at path: a function of the
// path, so that another object's bytes never pass for it.
func objBytes(path string) []byte {
	h := fnv.New32a()
	h.Write([]byte(path))
	seed := h.Sum32()
	b := make([]byte, 70_000+seed%200_000) // above 64 KiB: sent from a file opened per response
	for i := range b {
		b[i] = byte(uint32(i)*2654435761>>13) ^ byte(seed) ^ byte(i>>7)
	}
	return b
}

// diskOrigin serves objBytes at every path.
func diskOrigin(t *testing.T) *testenv.Origin {
	o := testenv.NewOrigin(t)
	o.PutFunc(func(path string) (testenv.Object, bool) { return testenv.Object{Body: objBytes(path)}, true })
	return o
}

// tally counts the responses of a load.
type tally struct{ whole, cut, failed atomic.Int64 }

// fetch GETs path and checks its body against the origin's bytes: a
// response read to its end must be them, a cut one (closed before its
// Content-Length) must be a prefix of them.
func fetch(t *testing.T, c *http.Client, base, path string, n *tally) {
	resp, err := c.Get(base + path)
	if err != nil {
		n.failed.Add(1)
		return
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	want := objBytes(path)
	switch {
	case resp.StatusCode != http.StatusOK:
		n.failed.Add(1)
	case err == nil && !bytes.Equal(got, want):
		t.Errorf("%s: a complete response of %d bytes (X-Cache %s) that is not the origin's %d", path, len(got), resp.Header.Get("X-Cache"), len(want))
	case err == nil:
		n.whole.Add(1)
	case len(got) > len(want) || !bytes.Equal(got, want[:len(got)]):
		t.Errorf("%s: a cut response with wrong bytes", path)
	default:
		n.cut.Add(1)
	}
}

// load requests paths from workers goroutines, rounds times each over
// all paths, calling midway once after a third of the requests.
func load(t *testing.T, base string, paths []string, workers, rounds int, midway func()) *tally {
	var n tally
	var done atomic.Int64
	var once sync.Once
	third := int64(workers * rounds * len(paths) / 3)
	c := &http.Client{Timeout: 20 * time.Second}
	defer c.CloseIdleConnections()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range rounds * len(paths) {
				fetch(t, c, base, paths[(i+w*7)%len(paths)], &n)
				if done.Add(1) == third {
					once.Do(midway)
				}
			}
		})
	}
	wg.Wait()
	return &n
}

// faultFS fails opens of data files with err once on: a disk whose
// reads fail, or whose permissions were taken away (chmod does not stop
// root, whom the tests may run as).
type faultFS struct {
	disktier.OSFS
	err atomic.Pointer[error]
}

func (f *faultFS) Open(rel string) (*os.File, error) {
	if e := f.err.Load(); e != nil {
		return nil, &os.PathError{Op: "open", Path: rel, Err: *e}
	}
	return f.OSFS.Open(rel)
}

func (f *faultFS) CreateTemp() (disktier.WriteFile, error) {
	if e := f.err.Load(); e != nil {
		return nil, &os.PathError{Op: "open", Path: "tmp", Err: *e}
	}
	return f.OSFS.CreateTemp()
}

// TestDiskFailsUnderLoad: a node with three disks serves a bounded load
// while one disk fails: its directory removed, its opens failing with
// EIO (past the error threshold) or with EACCES. No response is ever a
// complete-looking wrong body; the failed disk is out of service, named
// by /readyz (still ready) and the metrics, and afterwards every object
// is served whole, refetched onto the other disks.
func TestDiskFailsUnderLoad(t *testing.T) {
	for _, tc := range []struct {
		name  string
		errno error // nil: change the directory (chmod set, or removed)
		chmod bool
	}{
		{"directory removed", nil, false},
		{"permissions removed", nil, true},
		{"read errors", syscall.EIO, false},
		{"permission denied", syscall.EACCES, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if tc.chmod && os.Geteuid() == 0 {
				t.Skip("chmod does not stop root; the injected EACCES case stands for it")
			}
			org := diskOrigin(t)
			cfg, paths := disksConfig(t, org.URL)
			bad := &faultFS{OSFS: disktier.OSFS{Root: paths[1]}}
			n := start(t, cfg, edge.Deps{PerDisk: func(p string) disktier.DiskDeps {
				if p == paths[1] && tc.errno != nil {
					return disktier.DiskDeps{FS: bad}
				}
				return disktier.DiskDeps{}
			}})
			base := "http://" + n.Addrs().Public
			objs := objectPaths(30)
			load(t, base, objs, 1, 1, func() {})            // stored on the three disks
			t.Cleanup(func() { os.Chmod(paths[1], 0o755) }) // before TempDir's removal
			tl := load(t, base, objs, 4, 4, func() {
				switch {
				case tc.chmod:
					os.Chmod(paths[1], 0)
				case tc.errno == nil:
					removeDir(t, paths[1])
				default:
					bad.err.Store(&tc.errno)
				}
			})
			t.Logf("during the failure: %d whole, %d cut, %d failed", tl.whole.Load(), tl.cut.Load(), tl.failed.Load())
			waitDisk(t, n, "d1", "failed")
			checkDegradedButReady(t, n, "d1")
			final := load(t, base, objs, 2, 1, func() {})
			if final.whole.Load() != int64(2*len(objs)) {
				t.Errorf("after the failure: %d whole, %d cut, %d failed of %d", final.whole.Load(), final.cut.Load(), final.failed.Load(), 2*len(objs))
			}
		})
	}
}

// removeDir makes dir vanish at once, as an unmounted drive does: it is
// renamed away, then removed. A plain RemoveAll races the node's own
// writes into it (a commit lands in a subdirectory being emptied, the
// removal fails with "directory not empty") and can leave it in place.
// It runs on a load worker, so it reports with Errorf.
func removeDir(t *testing.T, dir string) {
	gone := dir + ".removed"
	if err := os.Rename(dir, gone); err != nil {
		t.Errorf("removing %s: %v", dir, err)
		return
	}
	var err error
	for range 100 { // files committed into it meanwhile make RemoveAll retry
		if err = os.RemoveAll(gone); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Errorf("removing %s: %v", gone, err)
}

func objectPaths(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("/v/t%d/seg%03d.m4s", i%3, i)
	}
	return out
}

// disks lists the node's disks through the admin API.
func disks(t *testing.T, n *running) cache.DisksAnswer {
	t.Helper()
	code, body := testenv.Get(http.DefaultClient, "http://"+n.Addrs().Admin+"/v1/disks", "Authorization", testenv.Bearer(diskToken))
	var ans cache.DisksAnswer
	if code != http.StatusOK || json.Unmarshal([]byte(body), &ans) != nil {
		t.Fatalf("GET /v1/disks: %d %s", code, body)
	}
	return ans
}

// waitDisk waits for the disk named name to be in state.
func waitDisk(t *testing.T, n *running, name, state string) {
	t.Helper()
	testenv.EventuallyErr(t, 15*time.Second, name+" to be "+state, func() error {
		for _, d := range disks(t, n).Disks {
			if d.Name == name && d.State == state {
				return nil
			} else if d.Name == name {
				return fmt.Errorf("%s is %s (%s)", name, d.State, d.Reason)
			}
		}
		return fmt.Errorf("no disk %s", name)
	})
}

// checkDegradedButReady: /readyz is 200 and names the disk, the state
// metric shows it out of service.
func checkDegradedButReady(t *testing.T, n *running, name string) {
	t.Helper()
	code, body := testenv.Get(http.DefaultClient, "http://"+n.Addrs().Admin+"/readyz")
	if code != http.StatusOK || !strings.Contains(body, name) {
		t.Errorf("/readyz with %s out of service: %d %q", name, code, body)
	}
	if v := testenv.Metric(t, n.reg, "vodedge_disk_state", "disk", name, "state", "serving"); v != 0 {
		t.Errorf("%s still counted serving", name)
	}
	if ans := disks(t, n); ans.Serving != 2 {
		t.Errorf("%d disks serving, want 2", ans.Serving)
	}
}

// post sends POST path to the admin API with token and returns the
// status and body.
func post(t *testing.T, n *running, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, "http://"+n.Addrs().Admin+path, nil)
	if token != "" {
		req.Header.Set("Authorization", testenv.Bearer(token))
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestDisksAdminAPI: the operator takes disks offline and brings them
// back, and a replaced (emptied) disk online, while the node serves;
// wrong names and states get 404 and 409, no token 401.
func TestDisksAdminAPI(t *testing.T) {
	org := diskOrigin(t)
	cfg, paths := disksConfig(t, org.URL)
	n := start(t, cfg, edge.Deps{})
	base := "http://" + n.Addrs().Public
	objs := objectPaths(20)
	load(t, base, objs, 1, 1, func() {})
	for _, step := range []struct {
		path, token string
		want        int
	}{
		{"/v1/disks/d0/offline", "", http.StatusUnauthorized},
		{"/v1/disks/d0/offline", diskToken, http.StatusOK},
		{"/v1/disks/d0/offline", diskToken, http.StatusConflict},
		{"/v1/disks/d1/offline", diskToken, http.StatusOK},
		{"/v1/disks/d2/offline", diskToken, http.StatusConflict}, // the last in service
		{"/v1/disks/d9/offline", diskToken, http.StatusNotFound},
		{"/v1/disks/d2/online", diskToken, http.StatusConflict},
		{"/v1/disks/d0/online", diskToken, http.StatusOK},
	} {
		if code, body := post(t, n, step.path, step.token); code != step.want {
			t.Errorf("POST %s: %d %s, want %d", step.path, code, body, step.want)
		}
	}
	if tl := load(t, base, objs, 2, 1, func() {}); tl.whole.Load() != int64(2*len(objs)) {
		t.Errorf("with d1 offline: %d whole of %d", tl.whole.Load(), 2*len(objs))
	}
	os.RemoveAll(paths[1]) // replaced by an empty drive
	if code, body := post(t, n, "/v1/disks/d1/online", diskToken); code != http.StatusOK || !strings.Contains(body, `"objects": 0`) {
		t.Errorf("replaced d1 online: %d %s", code, body)
	}
	if ans := disks(t, n); ans.Serving != 3 {
		t.Errorf("%d disks serving: %+v", ans.Serving, ans.Disks)
	}
	if tl := load(t, base, objs, 2, 1, func() {}); tl.whole.Load() != int64(2*len(objs)) {
		t.Errorf("with d1 replaced: %d whole of %d", tl.whole.Load(), 2*len(objs))
	}
}

// TestNotReadyWithoutADisk: /readyz is 503, naming the disks, once no
// disk serves.
func TestNotReadyWithoutADisk(t *testing.T) {
	org := diskOrigin(t)
	cfg, paths := disksConfig(t, org.URL)
	n := start(t, cfg, edge.Deps{})
	for _, p := range paths {
		removeDir(t, p)
	}
	testenv.EventuallyErr(t, 15*time.Second, "/readyz to say no disk serves", func() error {
		code, body := testenv.Get(http.DefaultClient, "http://"+n.Addrs().Admin+"/readyz")
		if code != http.StatusServiceUnavailable || !strings.Contains(body, "d0") || !strings.Contains(body, "d2") {
			return fmt.Errorf("%d %q", code, body)
		}
		return nil
	})
}

// TestResponseInFlightFromADiskTakenOffline: a large disk hit is being
// read when its disk is taken offline: the response ends with the
// object's true bytes or is cut, and the next request is served whole.
func TestResponseInFlightFromADiskTakenOffline(t *testing.T) {
	const size = 24 << 20
	org := testenv.NewOrigin(t)
	org.PutPattern("/big.mp4", size)
	cfg, _ := disksConfig(t, org.URL)
	for i := range cfg.Disk.Disks {
		cfg.Disk.Disks[i].CapacityBytes = 128 << 20
	}
	n := start(t, cfg, edge.Deps{})
	url := "http://" + n.Addrs().Public + "/big.mp4"
	before := disks(t, n)
	if code, body := testenv.Get(http.DefaultClient, url); code != http.StatusOK || len(body) != size {
		t.Fatalf("first GET: %d, %d bytes", code, len(body))
	}
	holder := diskThatGrew(t, before, disks(t, n))
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, 1<<20)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	if code, body := post(t, n, "/v1/disks/"+holder+"/offline", diskToken); code != http.StatusOK {
		t.Fatalf("offline %s: %d %s", holder, code, body)
	}
	rest, err := io.ReadAll(resp.Body)
	got := append(head, rest...)
	want := testenv.PatternBytes(0, size)
	switch {
	case err == nil && !bytes.Equal(got, want):
		t.Fatalf("a complete response of %d bytes with wrong bytes", len(got))
	case err != nil && !bytes.Equal(got, want[:min(len(got), size)]):
		t.Fatalf("a cut response (%v) with wrong bytes", err)
	}
	t.Logf("in flight while %s went offline: %d of %d bytes, err %v", holder, len(got), size, err)
	if code, body := testenv.Get(http.DefaultClient, url); code != http.StatusOK || body != string(want) {
		t.Fatalf("after the offline: %d, %d bytes", code, len(body))
	}
}

// diskThatGrew names the one disk whose object count grew.
func diskThatGrew(t *testing.T, before, after cache.DisksAnswer) string {
	t.Helper()
	for i, d := range after.Disks {
		if d.Objects > before.Disks[i].Objects {
			return d.Name
		}
	}
	t.Fatalf("no disk took the object: %+v", after.Disks)
	return ""
}
