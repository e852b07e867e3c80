package disktier

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/vodedge/vodedge/internal/testenv"
)

// keysOn returns n object keys the spread places on the disk named name.
func keysOn(t *testing.T, s *Store, name string, n int) []string {
	t.Helper()
	var out []string
	for i := 0; len(out) < n; i++ {
		if i > 100_000 {
			t.Fatalf("no keys for disk %s", name)
		}
		k := fmt.Sprintf("/on/%s/%d.m4s", name, i)
		if s.spread.Load().owner(k).name == name {
			out = append(out, k)
		}
	}
	return out
}

// waitState waits for the disk named name to be in state.
func waitState(t *testing.T, s *Store, name, state string) DiskInfo {
	t.Helper()
	var last DiskInfo
	testenv.EventuallyErr(t, 15*time.Second, "disk "+name+" to be "+state, func() error {
		for _, v := range s.Disks() {
			if v.Name == name {
				last = v
				if v.State == state {
					return nil
				}
				return fmt.Errorf("%s is %s (%s)", name, v.State, v.Reason)
			}
		}
		return fmt.Errorf("no disk %s", name)
	})
	return last
}

// checkServes stores and reads back objects on every disk in service and
// checks that keys kept on survivors still read back whole.
func checkServes(t *testing.T, s *Store, kept map[string][]byte) {
	t.Helper()
	for k, want := range kept {
		if got, err := readVerified(s, k); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%q on a surviving disk: %v", k, err)
		}
	}
	for i := range 20 {
		k := fmt.Sprintf("/after/%d", i)
		put(t, s, k, data(5000, byte(i)))
		if got, err := readVerified(s, k); err != nil || !bytes.Equal(got, data(5000, byte(i))) {
			t.Errorf("%q stored after the failure: %v", k, err)
		}
	}
}

// stored is an object a test stored and the disk it went to.
type stored struct {
	body []byte
	disk string
}

// fillDisks stores per objects on each of the store's disks and returns
// them by key.
func fillDisks(t *testing.T, s *Store, per int) map[string]stored {
	t.Helper()
	out := map[string]stored{}
	for _, d := range s.inService() {
		for i, k := range keysOn(t, s, d.name, per) {
			out[k] = stored{data(3000, byte(i)), d.name}
			put(t, s, k, out[k].body)
		}
	}
	return out
}

// survivors keeps the objects of every disk but failed.
func survivors(objs map[string]stored, failed string) map[string][]byte {
	out := map[string][]byte{}
	for k, v := range objs {
		if v.disk != failed {
			out[k] = v.body
		}
	}
	return out
}

// walFaults injects errors into every WAL write and sync once on.
func walFaults() *errorfs.Toggle {
	return &errorfs.Toggle{Injector: errorfs.InjectorFunc(func(op errorfs.Op) error {
		if strings.HasSuffix(op.Path, ".log") && op.Kind.ReadOrWrite() == errorfs.OpIsWrite {
			return errorfs.ErrInjected
		}
		return nil
	})}
}

// TestWALFailureFailsOnlyItsDisk: one disk's Pebble fails its WAL writes
// (errorfs). Pebble calls that fatal; the disk's own logger fails the
// disk instead of the process, the commit in progress fails, its objects
// become misses placed on the other disks, and the rest serve on.
func TestWALFailureFailsOnlyItsDisk(t *testing.T) {
	cfg := multiCfg(t, 3)
	toggle := walFaults()
	deps := Deps{PerDisk: func(path string) DiskDeps {
		if strings.HasSuffix(path, "/d1") {
			return DiskDeps{IndexFS: errorfs.Wrap(vfs.Default, toggle)}
		}
		return DiskDeps{}
	}}
	s := openStore(t, cfg, deps)
	objs := fillDisks(t, s, 5)
	toggle.On()
	k := keysOn(t, s, "d1", 6)[5]
	w, err := s.Create(Record{Key: k, Length: 10, ObjSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data(10, 0))
	if err := w.Commit(); !errors.Is(err, ErrDiskFailed) {
		t.Fatalf("commit on a disk whose WAL fails: %v, want ErrDiskFailed", err)
	}
	info := waitState(t, s, "d1", stateFailed)
	if !strings.Contains(info.Reason, "index") {
		t.Errorf("reason %q does not name the index", info.Reason)
	}
	if s.Serving() != 2 || !strings.Contains(s.Degraded(), "d1: failed") {
		t.Errorf("serving %d, degraded %q", s.Serving(), s.Degraded())
	}
	if _, ok := s.Lookup(k, false); ok {
		t.Error("the failed commit is visible")
	}
	checkServes(t, s, survivors(objs, "d1"))
	put(t, s, k, data(10, 1)) // d1's keys are placed elsewhere now
}

// TestWALFailureUnderConcurrentWrites: the same fault with writers on
// every disk at once. No writer hangs (a write after Pebble's failed
// flush panics inside its commit pipeline, and that database then
// blocks every writer), and only the faulty disk fails.
func TestWALFailureUnderConcurrentWrites(t *testing.T) {
	cfg := multiCfg(t, 3)
	toggle := walFaults()
	deps := Deps{PerDisk: func(path string) DiskDeps {
		if strings.HasSuffix(path, "/d2") {
			return DiskDeps{IndexFS: errorfs.Wrap(vfs.Default, toggle)}
		}
		return DiskDeps{}
	}}
	s := openStore(t, cfg, deps)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 60 {
				if i == 10 && g == 0 {
					toggle.On()
				}
				k := fmt.Sprintf("/w/%d/%d", g, i)
				w, err := s.Create(Record{Key: k, Length: 100, ObjSize: 100})
				if err != nil {
					continue // the disk was failing or out of service
				}
				w.Write(data(100, byte(i)))
				if err := w.Commit(); err != nil {
					continue
				}
				got, err := readVerified(s, k)
				switch {
				case errors.Is(err, ErrNotFound): // its disk failed since
				case err != nil || !bytes.Equal(got, data(100, byte(i))):
					t.Errorf("%q committed but reads back wrong: %v", k, err)
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("writers hang after the WAL failure")
	}
	info := waitState(t, s, "d2", stateFailed)
	t.Logf("d2 failed: %s", info.Reason)
	for _, name := range []string{"d0", "d1"} {
		waitState(t, s, name, stateServing)
	}
	checkServes(t, s, nil)
}

// TestRemovedDirectoryFailsTheDisk: a disk's directory is removed from
// under it (a drive pulled). Within a health check it is out of
// service; the other disks serve on and take its share.
func TestRemovedDirectoryFailsTheDisk(t *testing.T) {
	cfg := multiCfg(t, 3)
	s := openStore(t, cfg, Deps{})
	objs := fillDisks(t, s, 5)
	if err := os.RemoveAll(cfg.Disks[0].Path); err != nil {
		t.Fatal(err)
	}
	info := waitState(t, s, "d0", stateFailed)
	if !strings.Contains(info.Reason, "vanished") {
		t.Errorf("reason %q", info.Reason)
	}
	for k := range objs {
		if s.spread.Load().owner(k).name == "d0" {
			t.Fatal("a key still placed on the failed disk")
		}
		if _, ok := s.Lookup(k, false); !ok && objs[k].disk != "d0" {
			t.Fatalf("%q, on a surviving disk, is lost", k)
		}
	}
	checkServes(t, s, survivors(objs, "d0"))
	if _, err := os.Stat(cfg.Disks[0].Path); !os.IsNotExist(err) {
		t.Errorf("the vanished directory was made again: %v", err)
	}
}

// deniedFS answers every call with EACCES once on: a disk whose
// permissions were taken away (chmod does not stop root, whom the tests
// may run as, so the fault is injected).
type deniedFS struct {
	OSFS
	on bool
	mu sync.Mutex
}

func (f *deniedFS) denied() bool { f.mu.Lock(); defer f.mu.Unlock(); return f.on }

func (f *deniedFS) CreateTemp() (WriteFile, error) {
	if f.denied() {
		return nil, &os.PathError{Op: "open", Path: f.Root + "/tmp", Err: syscall.EACCES}
	}
	return f.OSFS.CreateTemp()
}

func (f *deniedFS) Open(rel string) (*os.File, error) {
	if f.denied() {
		return nil, &os.PathError{Op: "open", Path: rel, Err: syscall.EACCES}
	}
	return f.OSFS.Open(rel)
}

func TestPermissionDeniedFailsTheDisk(t *testing.T) {
	cfg := multiCfg(t, 2)
	denied := &deniedFS{OSFS: OSFS{Root: cfg.Disks[1].Path}}
	s := openStore(t, cfg, Deps{PerDisk: func(path string) DiskDeps {
		if path == cfg.Disks[1].Path {
			return DiskDeps{FS: denied}
		}
		return DiskDeps{}
	}})
	objs := fillDisks(t, s, 5)
	denied.mu.Lock()
	denied.on = true
	denied.mu.Unlock()
	for k, o := range objs { // reads of d1's objects fail, and fail it at once
		if o.disk == "d1" {
			if _, err := readVerified(s, k); err == nil {
				t.Fatalf("%q read from a disk denying access", k)
			}
			break
		}
	}
	info := waitState(t, s, "d1", stateFailed)
	if !strings.Contains(info.Reason, "permission denied") {
		t.Errorf("reason %q", info.Reason)
	}
	checkServes(t, s, survivors(objs, "d1"))
}

// TestReadErrorsPastTheThresholdFailTheDisk: data-file reads that fail
// (EIO from the fault-injecting FS) make the disk degraded at MaxErrors
// and fail it at FailErrors.
func TestReadErrorsPastTheThresholdFailTheDisk(t *testing.T) {
	cfg := multiCfg(t, 2)
	cfg.MaxErrors, cfg.FailErrors = 3, 10
	bad := &failingFS{OSFS: OSFS{Root: cfg.Disks[0].Path}}
	s := openStore(t, cfg, Deps{PerDisk: func(path string) DiskDeps {
		if path == cfg.Disks[0].Path {
			return DiskDeps{FS: bad}
		}
		return DiskDeps{}
	}})
	objs := fillDisks(t, s, 12)
	bad.failOpen.Store(true)
	n := 0
	for k, o := range objs {
		if o.disk != "d0" {
			continue
		}
		if _, err := readVerified(s, k); err == nil {
			t.Fatalf("%q read through failing opens", k)
		}
		if n++; n == 3 && !strings.Contains(s.Degraded(), "d0") {
			t.Errorf("3 errors: degraded %q", s.Degraded())
		}
	}
	waitState(t, s, "d0", stateFailed)
	checkServes(t, s, survivors(objs, "d0"))
}
