package disktier

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"
)

func readAt(t *testing.T, s *Store, key string, n int) []byte {
	t.Helper()
	r := lookup(t, s, key)
	p := make([]byte, n)
	if err := s.ReadAt(r, p, 0); err != nil {
		t.Fatalf("ReadAt(%s): %v", key, err)
	}
	return p
}

func TestReadAtKeepsFilesOpenAndSeesNewVersions(t *testing.T) {
	s := openStore(t, testCfg(t.TempDir()), Deps{})
	put(t, s, "/a", data(5000, 1))
	for range 3 {
		if got := readAt(t, s, "/a", 5000); !bytes.Equal(got, data(5000, 1)) {
			t.Fatal("ReadAt returned wrong bytes")
		}
	}
	if n := onlyDisk(s).fds.len(); n != 1 {
		t.Fatalf("%d files held open after three reads of one slice, want 1", n)
	}
	put(t, s, "/a", data(5000, 2)) // a new version: a new file, the old one removed
	if got := readAt(t, s, "/a", 5000); !bytes.Equal(got, data(5000, 2)) {
		t.Fatal("ReadAt after a new version returned the old bytes")
	}
	if n := onlyDisk(s).fds.len(); n != 1 {
		t.Fatalf("%d files held open after the old version's removal, want 1", n)
	}
	s.Delete("/a")
	if n := onlyDisk(s).fds.len(); n != 0 {
		t.Fatalf("%d files held open after Delete, want 0", n)
	}
}

func TestReadAtBoundedAndOff(t *testing.T) {
	for _, max := range []int{0, 2} {
		cfg := testCfg(t.TempDir())
		cfg.OpenFiles = max
		s := openStore(t, cfg, Deps{})
		for i := range 5 {
			k := fmt.Sprintf("/k%d", i)
			put(t, s, k, data(100, byte(i)))
			if got := readAt(t, s, k, 100); !bytes.Equal(got, data(100, byte(i))) {
				t.Fatalf("OpenFiles %d: %s: wrong bytes", max, k)
			}
		}
		if n := onlyDisk(s).fds.len(); n != max {
			t.Fatalf("OpenFiles %d: %d files held open", max, n)
		}
	}
}

// TestRemovedFileIsClosedAfterItsLastReader removes a file while a
// reader holds it: the reader finishes, then the descriptor is closed.
func TestRemovedFileIsClosedAfterItsLastReader(t *testing.T) {
	name := bytesFile(t)
	c := newFDCache(4)
	o, err := c.acquire(&Record{File: name}, func() (*os.File, error) { return os.Open(name) })
	if err != nil {
		t.Fatal(err)
	}
	os.Remove(name)
	c.forget(name)
	p := make([]byte, 5)
	if _, err := o.f.ReadAt(p, 0); err != nil || string(p) != "bytes" {
		t.Fatalf("a held file was closed under its reader: %v", err)
	}
	c.release(o)
	if _, err := o.f.ReadAt(p, 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("removed file still open after its last reader: %v", err)
	}
}

// TestFileRemovedWhileOpeningIsNotCached has the file removed between a
// reader's open and its insert: the descriptor must not stay cached.
func TestFileRemovedWhileOpeningIsNotCached(t *testing.T) {
	name := bytesFile(t)
	c := newFDCache(4)
	o, err := c.acquire(&Record{File: name}, func() (*os.File, error) {
		f, err := os.Open(name)
		os.Remove(name)
		c.forget(name)
		return f, err
	})
	if err != nil {
		t.Fatal(err)
	}
	if c.len() != 0 {
		t.Fatal("a file removed while it was being opened was cached")
	}
	c.release(o)
	if _, err := o.f.ReadAt(make([]byte, 1), 0); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("uncached descriptor not closed on release: %v", err)
	}
}

func TestReadAtShortFileEvicts(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, testCfg(dir), Deps{})
	put(t, s, "/a", data(5000, 1))
	r := lookup(t, s, "/a")
	if err := os.Truncate(filepath.Join(dir, "data", r.File), 100); err != nil {
		t.Fatal(err)
	}
	if err := s.ReadAt(r, make([]byte, 5000), 0); err == nil {
		t.Fatal("ReadAt of a truncated file succeeded")
	}
	if _, ok := s.Lookup("/a", false); ok {
		t.Fatal("a slice whose file was short is still indexed")
	}
	if n := onlyDisk(s).fds.len(); n != 0 {
		t.Fatalf("the evicted slice's file is still held open (%d)", n)
	}
}

// TestRecordHintFollowsTheCache: a decoded record's hint finds its open
// file without the map, and never hands out a file the cache dropped.
func TestRecordHintFollowsTheCache(t *testing.T) {
	name := bytesFile(t)
	c := newFDCache(4)
	opens := 0
	open := func() (*os.File, error) { opens++; return os.Open(name) }
	r1, r2 := &Record{File: name, open: new(fileHint)}, &Record{File: name, open: new(fileHint)}
	acq := func(r *Record) *openFile {
		t.Helper()
		o, err := c.acquire(r, open)
		if err != nil {
			t.Fatal(err)
		}
		c.release(o)
		return o
	}
	first := acq(r1)
	if acq(r2) != first || acq(r1) != first || opens != 1 {
		t.Fatalf("two records of one file: %d opens, want one shared file", opens)
	}
	if r2.open.o.Load() != first {
		t.Fatal("the second record's hint was not set from the map")
	}
	c.forget(name) // the hint now names a closed file
	second := acq(r1)
	if second == first || opens != 2 || r1.open.o.Load() != second {
		t.Fatalf("after forget: same file %v, %d opens; want a new open and the hint moved", second == first, opens)
	}
	p := make([]byte, 5)
	if _, err := second.f.ReadAt(p, 0); err != nil {
		t.Fatalf("the file handed out after forget: %v", err)
	}
}

// bytesFile writes a file holding "bytes" and returns its path.
func bytesFile(t *testing.T) string {
	t.Helper()
	name := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(name, []byte("bytes"), 0o644); err != nil {
		t.Fatal(err)
	}
	return name
}

// Data files are opened without access-time updates: nothing reads
// them, and each read or sendfile would check them.
func TestDataFilesOpenWithoutAccessTimes(t *testing.T) {
	o := OSFS{Root: t.TempDir()}
	if err := os.MkdirAll(o.dataDir(), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(o.dataDir(), "f"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := o.Open("f")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fl, err := unix.FcntlInt(f.Fd(), unix.F_GETFL, 0)
	if err != nil || fl&unix.O_NOATIME == 0 {
		t.Fatalf("flags %#o, %v: want O_NOATIME", fl, err)
	}
	if _, err := o.Open("missing"); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("a missing file: %v", err)
	}
}
