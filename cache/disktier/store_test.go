package disktier

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) {
	if os.Getenv(panicHelperEnv) != "" { // a wedged Pebble's goroutines stay: see TestPebblePanicFailsOnlyItsDisk
		os.Exit(m.Run())
	}
	goleak.VerifyTestMain(m)
}

func testCfg(dir string) Config {
	c := DefaultConfig(dir, 64<<20)
	c.ChunkBytes = 4 << 10
	c.ScrubBytesPerSec = 0
	c.MinFreeBytes = 0
	return c
}

func openStore(t *testing.T, cfg Config, deps Deps) *Store {
	t.Helper()
	s, err := Open(cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	waitLoaded(t, s)
	return s
}

func waitLoaded(t *testing.T, s *Store) {
	t.Helper()
	testenv.Eventually(t, 10*time.Second, "the index to load", s.Loaded)
}

func data(n int, seed byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*7) ^ seed
	}
	return b
}

func put(t *testing.T, s *Store, key string, b []byte) {
	t.Helper()
	w, err := s.Create(Record{Key: key, Length: int64(len(b)), ObjSize: int64(len(b)), ETag: `"e"`, ContentType: "video/mp4", LastModified: time.Unix(1700000000, 0)})
	if err != nil {
		t.Fatal(err)
	}
	for p := b; len(p) > 0; {
		n := min(len(p), 1000)
		if _, err := w.Write(p[:n]); err != nil {
			t.Fatal(err)
		}
		p = p[n:]
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
}

func readVerified(s *Store, key string) ([]byte, error) {
	r, ok := s.Lookup(key, true)
	if !ok {
		return nil, ErrNotFound
	}
	c, err := s.NewChunkReader(r)
	if err != nil {
		return nil, err
	}
	defer c.Close()
	return c.ReadAll()
}

func TestWriteLookupReadBack(t *testing.T) {
	s := openStore(t, testCfg(t.TempDir()), Deps{})
	for _, n := range []int{0, 1, 4095, 4096, 4097, 100_000} {
		key := fmt.Sprintf("/t/%d.m4s", n)
		want := data(n, 1)
		put(t, s, key, want)
		r, ok := s.Lookup(key, true)
		if !ok || r.Length != int64(n) || r.ETag != `"e"` || r.ContentType != "video/mp4" || len(r.CRCs) != (n+4095)/4096 {
			t.Fatalf("%d: lookup %+v %v", n, r, ok)
		}
		got, err := readVerified(s, key)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("%d: read back %v, %d bytes", n, err, len(got))
		}
		f, err := s.Open(r)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := io.ReadAll(f)
		f.Close()
		if !bytes.Equal(raw, want) {
			t.Fatalf("%d: data file differs", n)
		}
	}
	if _, ok := s.Lookup("/t/none", true); ok {
		t.Fatal("absent key found")
	}
}

func TestPartialWriteIsNeverVisible(t *testing.T) {
	s := openStore(t, testCfg(t.TempDir()), Deps{})
	w, err := s.Create(Record{Key: "/a", Length: 10, ObjSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	w.Write([]byte("12345"))
	if _, ok := s.Lookup("/a", false); ok {
		t.Fatal("visible before commit")
	}
	if err := w.Commit(); err == nil {
		t.Fatal("commit of a short slice succeeded")
	}
	if _, ok := s.Lookup("/a", false); ok {
		t.Fatal("short slice visible")
	}
	if used, _, _ := s.Usage(); used != 0 {
		t.Fatalf("space leaked: %d", used)
	}
	if _, err := w.Write([]byte("x")); err == nil {
		t.Log("write after commit failure accepted by the OS file; harmless")
	}
	w2, _ := s.Create(Record{Key: "/b", Length: 3, ObjSize: 3})
	if _, err := w2.Write([]byte("1234")); err == nil {
		t.Fatal("write past the announced length accepted")
	}
	w2.Abort()
}

func TestCorruptionIsDetectedAndEvicted(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, testCfg(dir), Deps{})
	put(t, s, "/c", data(20_000, 2))
	r, _ := s.Lookup("/c", false)
	path := filepath.Join(dir, "data", r.File)
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte{0xff, 0xfe}, 9000) // flip bytes in chunk 2
	f.Close()
	c, err := s.NewChunkReader(r)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if p, err := c.Next(0); err != nil || len(p) != 4096 {
		t.Fatalf("chunk 0 is intact: %v", err)
	}
	if _, err := c.Next(8192); !errors.Is(err, ErrChecksum) {
		t.Fatalf("corrupt chunk: err %v, want ErrChecksum", err)
	}
	if _, ok := s.Lookup("/c", false); ok {
		t.Fatal("corrupt slice still indexed")
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatal("corrupt data file not removed")
	}
}

func TestTruncatedFileIsCorrupt(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, testCfg(dir), Deps{})
	put(t, s, "/t", data(10_000, 3))
	r, _ := s.Lookup("/t", false)
	os.Truncate(filepath.Join(dir, "data", r.File), 5000)
	if _, err := readVerified(s, "/t"); !errors.Is(err, ErrChecksum) {
		t.Fatalf("truncated file: %v", err)
	}
}

func TestCapacityEvictsButNeverPinned(t *testing.T) {
	cfg := testCfg(t.TempDir())
	cfg.CapacityBytes = 1 << 20 // ten 100 KiB slices
	s := openStore(t, cfg, Deps{})
	put(t, s, "/pinned", data(100<<10, 9))
	if ok, err := s.Pin("/pinned", true); !ok || err != nil {
		t.Fatal("pin", err)
	}
	for i := range 40 {
		put(t, s, fmt.Sprintf("/o/%d", i), data(100<<10, byte(i)))
		if used, _, capacity := s.Usage(); used > capacity {
			t.Fatalf("used %d over capacity %d", used, capacity)
		}
	}
	if _, ok := s.Lookup("/pinned", false); !ok {
		t.Fatal("pinned slice evicted")
	}
	_, objects, _ := s.Usage()
	if objects != 10 {
		t.Fatalf("%d objects, want 10", objects)
	}
	// Everything pinned: no room can be made.
	for _, r := range mustList(t, s, "/o/") {
		s.Pin(r.Key, true)
	}
	if _, err := s.Create(Record{Key: "/x", Length: 100 << 10, ObjSize: 100 << 10}); !errors.Is(err, ErrFull) {
		t.Fatalf("all pinned: err %v, want ErrFull", err)
	}
}

func mustList(t *testing.T, s *Store, prefix string) []*Record {
	rs, err := s.List(prefix, "", 1000)
	if err != nil {
		t.Fatal(err)
	}
	return rs
}

func TestPurgeAndList(t *testing.T) {
	s := openStore(t, testCfg(t.TempDir()), Deps{})
	for _, k := range []string{"/t1/a", "/t1/b", "/t1/b\x001", "/t2/a", "/t10/a"} {
		put(t, s, k, data(100, 1))
	}
	if got := mustList(t, s, "/t1/"); len(got) != 3 {
		t.Fatalf("list /t1/: %d", len(got))
	}
	page := mustList(t, s, "")
	if len(page) != 5 || page[0].Key != "/t1/a" {
		t.Fatalf("list all: %d first %q", len(page), page[0].Key)
	}
	removed, err := s.PurgePrefix("/t1/")
	if err != nil || len(removed) != 3 {
		t.Fatalf("purge: %v %v", removed, err)
	}
	if _, ok := s.Lookup("/t10/a", false); !ok {
		t.Fatal("/t10/ purged by /t1/")
	}
	if !s.Delete("/t2/a") || s.Delete("/t2/a") {
		t.Fatal("delete semantics")
	}
	if _, objects, _ := s.Usage(); objects != 1 {
		t.Fatalf("objects %d", objects)
	}
}

func TestRestartKeepsObjectsAndReclaimsLeftovers(t *testing.T) {
	dir := t.TempDir()
	cfg := testCfg(dir)
	s, err := Open(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, s)
	for i := range 20 {
		put(t, s, fmt.Sprintf("/k/%d", i), data(5000, byte(i)))
	}
	s.Pin("/k/3", true)
	s.Lookup("/k/5", true)
	s.Close()

	// Leftovers of a crash: a temp file, an orphan data file, a record
	// whose file vanished.
	os.WriteFile(filepath.Join(dir, "tmp", "w-123"), []byte("half"), 0o644)
	orphan := filepath.Join(dir, "data", "ab", "cd", "abcd"+strings.Repeat("0", 20)+"-"+strings.Repeat("1", 16))
	os.MkdirAll(filepath.Dir(orphan), 0o755)
	os.WriteFile(orphan, []byte("orphan"), 0o644)

	s2 := openStore(t, cfg, Deps{})
	r7, ok := s2.Lookup("/k/7", false)
	if !ok {
		t.Fatal("object lost across restart")
	}
	os.Remove(filepath.Join(dir, "data", r7.File))
	for i := range 20 {
		if i == 7 {
			continue
		}
		got, err := readVerified(s2, fmt.Sprintf("/k/%d", i))
		if err != nil || !bytes.Equal(got, data(5000, byte(i))) {
			t.Fatalf("/k/%d after restart: %v", i, err)
		}
	}
	if _, err := readVerified(s2, "/k/7"); err == nil {
		t.Fatal("record with a missing file served")
	}
	if _, ok := s2.Lookup("/k/7", false); ok {
		t.Fatal("dangling record kept")
	}
	if info, ok := s2.Stat("/k/3"); !ok || !info.Pinned {
		t.Fatal("pin lost across restart")
	}
	if _, err := os.Stat(filepath.Join(dir, "tmp", "w-123")); !os.IsNotExist(err) {
		t.Fatal("temp file not removed")
	}
	testenv.Eventually(t, 5*time.Second, "the orphan data file to be removed", func() bool {
		_, err := os.Stat(orphan)
		return os.IsNotExist(err)
	})
	if _, objects, _ := s2.Usage(); objects != 19 {
		t.Fatalf("objects %d, want 19", objects)
	}
}

func TestCorruptIndexRecordIsDropped(t *testing.T) {
	s := openStore(t, testCfg(t.TempDir()), Deps{})
	put(t, s, "/a", data(100, 1))
	v, closer, _ := onlyDisk(s).db.Get(recKey("/a"))
	bad := append([]byte(nil), v...)
	closer.Close()
	bad[3] ^= 0xff
	onlyDisk(s).db.Set(recKey("/a"), bad, nil)
	if _, ok := s.Lookup("/a", false); ok {
		t.Fatal("corrupt record served")
	}
	if _, closer, err := onlyDisk(s).db.Get(recKey("/a")); err == nil {
		closer.Close()
		t.Fatal("corrupt record kept")
	}
}

// failingFS fails writes (or everything) on demand.
type failingFS struct {
	OSFS
	failWrites atomic.Bool
	failOpen   atomic.Bool
}

type failingFile struct {
	WriteFile
	fs *failingFS
}

func (f failingFile) Write(p []byte) (int, error) {
	if f.fs.failWrites.Load() {
		return 0, errors.New("injected: input/output error")
	}
	return f.WriteFile.Write(p)
}

func (f *failingFS) CreateTemp() (WriteFile, error) {
	w, err := f.OSFS.CreateTemp()
	if err != nil {
		return nil, err
	}
	return failingFile{w, f}, nil
}

func (f *failingFS) Open(rel string) (*os.File, error) {
	if f.failOpen.Load() {
		return nil, errors.New("injected: input/output error")
	}
	return f.OSFS.Open(rel)
}

func TestRepeatedIOErrorsDegradeAndRecover(t *testing.T) {
	dir := t.TempDir()
	fsys := &failingFS{OSFS: OSFS{Root: dir}}
	cfg := testCfg(dir)
	cfg.MaxErrors, cfg.ErrorWindow = 3, 300*time.Millisecond
	s := openStore(t, cfg, Deps{FS: fsys})
	put(t, s, "/keep", data(100, 1))
	fsys.failWrites.Store(true)
	for i := range 3 {
		w, err := s.Create(Record{Key: fmt.Sprint("/f", i), Length: 10, ObjSize: 10})
		if err != nil {
			t.Fatalf("create %d: %v", i, err)
		}
		if _, err := w.Write(data(10, 0)); err == nil {
			t.Fatal("injected write error not returned")
		}
		w.Abort()
	}
	if s.Degraded() == "" {
		t.Fatal("not degraded after repeated I/O errors")
	}
	if _, err := s.Create(Record{Key: "/g", Length: 1, ObjSize: 1}); !errors.Is(err, ErrNotAdmitting) {
		t.Fatalf("degraded tier admitted: %v", err)
	}
	if got, err := readVerified(s, "/keep"); err != nil || len(got) != 100 {
		t.Fatal("degraded tier must keep serving what it can read")
	}
	fsys.failWrites.Store(false)
	testenv.EventuallyErr(t, 10*time.Second, "the tier to recover", func() error {
		if d := s.Degraded(); d != "" {
			return fmt.Errorf("still degraded: %s", d)
		}
		return nil
	})
}

func TestUnreadableObjectIsEvicted(t *testing.T) {
	dir := t.TempDir()
	fsys := &failingFS{OSFS: OSFS{Root: dir}}
	s := openStore(t, testCfg(dir), Deps{FS: fsys})
	put(t, s, "/u", data(100, 1))
	r, _ := s.Lookup("/u", false)
	fsys.failOpen.Store(true)
	if _, err := s.Open(r); err == nil {
		t.Fatal("open error not returned")
	}
	if _, ok := s.Lookup("/u", false); ok {
		t.Fatal("unreadable object kept")
	}
}

func TestDiskFullDegrades(t *testing.T) {
	var free atomic.Int64
	free.Store(10 << 30)
	cfg := testCfg(t.TempDir())
	cfg.MinFreeBytes = 1 << 30
	s := openStore(t, cfg, Deps{FreeBytes: func() (int64, error) { return free.Load(), nil }})
	free.Store(100 << 20)
	testenv.EventuallyErr(t, 10*time.Second, "the tier to degrade", func() error {
		if d := s.Degraded(); d != "disk full" {
			return fmt.Errorf("degraded = %q, want disk full", d)
		}
		return nil
	})
	if _, err := s.Create(Record{Key: "/x", Length: 1, ObjSize: 1}); !errors.Is(err, ErrNotAdmitting) {
		t.Fatalf("full disk admitted: %v", err)
	}
}

func TestScrubberFindsRot(t *testing.T) {
	dir := t.TempDir()
	cfg := testCfg(dir)
	cfg.ScrubBytesPerSec = 64 << 20
	cfg.ScrubPause = 10 * time.Millisecond
	s := openStore(t, cfg, Deps{})
	put(t, s, "/rot", data(50_000, 4))
	put(t, s, "/fine", data(50_000, 5))
	r, _ := s.Lookup("/rot", false)
	os.WriteFile(filepath.Join(dir, "data", r.File), data(50_000, 6), 0o644) // same size, other bytes
	testenv.Eventually(t, 20*time.Second, "the scrubber to evict the rotten slice", func() bool {
		_, ok := s.Lookup("/rot", false)
		return !ok
	})
	if _, ok := s.Lookup("/fine", false); !ok {
		t.Fatal("scrubber evicted a good slice")
	}
}

func TestRecordRoundTripAndFuzzSeed(t *testing.T) {
	r := &Record{Key: "/k", File: fileName("/k"), Offset: 4 << 20, Length: 5, ObjSize: 9 << 20, ETag: `W/"x"`,
		LastModified: time.Unix(1, 0).UTC(), ContentType: "a/b", StoredAt: time.Unix(2, 0).UTC(), Pinned: true, ChunkBytes: 4096, CRCs: []uint32{7}}
	got, err := decodeRecord("/k", r.encode())
	if err != nil {
		t.Fatal(err)
	}
	if got.open == nil {
		t.Fatal("a decoded record has no open-file hint")
	}
	got.open = nil // not encoded
	if fmt.Sprint(*got) != fmt.Sprint(*r) {
		t.Fatalf("round trip:\n%+v\n%+v", *got, *r)
	}
}

func FuzzDecodeRecord(f *testing.F) {
	r := &Record{File: fileName("/k"), Length: 5, ObjSize: 5, ChunkBytes: 4096, CRCs: []uint32{7}}
	f.Add(r.encode())
	f.Add([]byte{1, 2, 3})
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := decodeRecord("/k", b)
		if err != nil {
			return
		}
		if !validFile(r.File) || r.Length < 0 || r.ObjSize < r.Offset+r.Length {
			t.Fatalf("invalid record accepted: %+v", r)
		}
	})
}

// onlyDisk is the only disk of a one-disk tier, for tests of its internals.
func onlyDisk(s *Store) *disk {
	ds := s.inService()
	if len(ds) != 1 {
		panic(fmt.Sprintf("onlyDisk: %d disks in service", len(ds)))
	}
	return ds[0]
}
