package disktier

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// lookup returns key's record or fails the test.
func lookup(t *testing.T, s *Store, key string) *Record {
	t.Helper()
	r, ok := s.Lookup(key, false)
	if !ok {
		t.Fatalf("%s: not found", key)
	}
	return r
}

// hot looks key up with an access counted until its hit counter admits
// its record into the record cache, and returns the record.
func hot(t *testing.T, s *Store, key string) *Record {
	t.Helper()
	for range recAdmitHits - 1 {
		s.Lookup(key, true)
	}
	r, ok := s.Lookup(key, true)
	if !ok {
		t.Fatalf("%s: not found", key)
	}
	return r
}

// TestRecordCacheAdmitsSlicesHitTwice: a slice's record enters the cache
// at its second counted hit, not before; a lookup without touch admits
// only what the table has seen twice.
func TestRecordCacheAdmitsSlicesHitTwice(t *testing.T) {
	s := openStore(t, testCfg(t.TempDir()), Deps{})
	put(t, s, "/a", data(100, 1))
	put(t, s, "/b", data(100, 2))
	recs := onlyDisk(s).recs
	lookup(t, s, "/a")
	if _, ok := s.Lookup("/a", true); !ok || recs.len() != 0 {
		t.Fatalf("after one counted hit: found %v, record cache holds %d records, want 0", ok, recs.len())
	}
	if _, ok := s.Lookup("/a", true); !ok || recs.get("/a") == nil {
		t.Fatalf("after two counted hits: found %v, record not cached", ok)
	}
	if s.Lookup("/b", true); recs.get("/b") != nil {
		t.Fatal("/b cached after one hit")
	}
	lookup(t, s, "/a")
	if got := s.Hits("/a"); got != recAdmitHits {
		t.Fatalf("a lookup without touch counted a hit: %d", got)
	}
	s.Lookup("/b", true)
	if lookup(t, s, "/b"); recs.get("/b") == nil {
		t.Fatal("/b not cached once hit twice")
	}
}

// TestRecordCacheSeesEveryChange reads each record once (so it is
// cached), changes it through every path that rewrites or removes an
// index record, and checks the next Lookup sees the change.
func TestRecordCacheSeesEveryChange(t *testing.T) {
	s := openStore(t, testCfg(t.TempDir()), Deps{})
	put(t, s, "/a", data(100, 1))
	if hot(t, s, "/a"); onlyDisk(s).recs.len() != 1 {
		t.Fatalf("record cache holds %d records after two hits, want 1", onlyDisk(s).recs.len())
	}

	if _, err := s.Pin("/a", true); err != nil {
		t.Fatal(err)
	}
	if !hot(t, s, "/a").Pinned {
		t.Error("Lookup after Pin: not pinned")
	}
	if _, err := s.UpdateMeta("/a", func(r *Record) bool { r.Meta = []byte("m2"); return true }); err != nil {
		t.Fatal(err)
	}
	if got := hot(t, s, "/a").Meta; string(got) != "m2" {
		t.Errorf("Lookup after UpdateMeta: Meta %q, want m2", got)
	}
	put(t, s, "/a", data(200, 2)) // a new version replaces the record
	if got := hot(t, s, "/a").Length; got != 200 {
		t.Errorf("Lookup after a new version: length %d, want 200", got)
	}
	b, err := readVerified(s, "/a")
	if err != nil || !bytes.Equal(b, data(200, 2)) {
		t.Errorf("read after a new version: %v, %d bytes", err, len(b))
	}
	s.Delete("/a")
	if _, ok := s.Lookup("/a", false); ok {
		t.Error("Lookup after Delete: still found")
	}
	put(t, s, "/p/1", data(10, 3))
	hot(t, s, "/p/1")
	if _, err := s.PurgePrefix("/p/"); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.Lookup("/p/1", false); ok {
		t.Error("Lookup after PurgePrefix: still found")
	}
}

// TestRecordCacheBounded fills the cache past its size in bytes.
func TestRecordCacheBounded(t *testing.T) {
	cfg := testCfg(t.TempDir())
	s := openStore(t, cfg, Deps{})
	put(t, s, "/size", data(10, 0))
	one := recordBytes(hot(t, s, "/size"))
	onlyDisk(s).recs.invalidate("/size")
	onlyDisk(s).recs.max = 4 * one
	for i := range 10 {
		k := fmt.Sprintf("/k%d", i)
		put(t, s, k, data(10, byte(i)))
		if r := hot(t, s, k); r.Key != k {
			t.Fatalf("Lookup(%s) returned %s", k, r.Key)
		}
	}
	if n := onlyDisk(s).recs.len(); n != 4 || onlyDisk(s).recs.used > onlyDisk(s).recs.max {
		t.Fatalf("record cache holds %d records, %d bytes; want 4 within its bound %d", n, onlyDisk(s).recs.used, onlyDisk(s).recs.max)
	}
	// A record larger than the whole cache is not cached, nor does it
	// evict the others.
	big := hot(t, s, "/k9")
	huge := *big
	huge.Meta = make([]byte, onlyDisk(s).recs.max)
	onlyDisk(s).recs.put(&huge, onlyDisk(s).recs.seq.Load())
	if n := onlyDisk(s).recs.len(); n != 4 {
		t.Fatalf("a record larger than the cache changed it to %d records", n)
	}
	for i := range 10 { // evicted or not, every record is still found
		hot(t, s, fmt.Sprintf("/k%d", i))
	}
}

// TestRecordCacheRacingUpdates has readers look a key up while a writer
// rewrites its Meta, for the race detector and as a check that the last
// value wins. The interleaving that matters (a change between a reader's
// read and its put) is rare here; TestRecordCacheChangeBetweenReadAndPut
// forces it.
func TestRecordCacheRacingUpdates(t *testing.T) {
	s := openStore(t, testCfg(t.TempDir()), Deps{})
	put(t, s, "/a", data(100, 1))
	const updates = 300
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
					s.Lookup("/a", true)
				}
			}
		})
	}
	for i := range updates {
		meta := []byte(fmt.Sprint(i))
		if _, err := s.UpdateMeta("/a", func(r *Record) bool { r.Meta = meta; return true }); err != nil {
			t.Fatal(err)
		}
	}
	close(stop)
	wg.Wait()
	want := fmt.Sprint(updates - 1)
	if got := string(lookup(t, s, "/a").Meta); got != want {
		t.Fatalf("after %d updates Lookup sees Meta %q, want %q", updates, got, want)
	}
}

// TestRecordCacheChangeBetweenReadAndPut makes a change land exactly
// between a reader's index read and its put: the stale record it read
// must not be cached.
func TestRecordCacheChangeBetweenReadAndPut(t *testing.T) {
	s := openStore(t, testCfg(t.TempDir()), Deps{})
	put(t, s, "/a", data(100, 1))
	var once sync.Once
	onlyDisk(s).recs.beforePut = func() {
		once.Do(func() {
			if _, err := s.UpdateMeta("/a", func(r *Record) bool { r.Meta = []byte("new"); return true }); err != nil {
				t.Error(err)
			}
		})
	}
	s.Lookup("/a", true) // one hit: the next one caches the record
	if r, ok := s.Lookup("/a", true); !ok || string(r.Meta) != "" {
		got := ""
		if ok {
			got = string(r.Meta)
		}
		t.Fatalf("the Lookup that caches read Meta %q, want the value before the change", got)
	}
	fired := false
	once.Do(func() { fired = true })
	if fired {
		t.Fatal("the second counted hit did not put its record")
	}
	if got := string(lookup(t, s, "/a").Meta); got != "new" {
		t.Fatalf("Lookup after the change: Meta %q, want new (a stale record was cached)", got)
	}
}

func TestRecordCacheOff(t *testing.T) {
	cfg := testCfg(t.TempDir())
	cfg.RecordCacheBytes = 0
	s := openStore(t, cfg, Deps{})
	put(t, s, "/a", data(100, 1))
	hot(t, s, "/a")
	if n := onlyDisk(s).recs.len(); n != 0 {
		t.Fatalf("cache off, yet it holds %d records", n)
	}
	cfg.RecordCacheBytes = -1
	if _, err := Open(cfg, Deps{}); err == nil {
		t.Fatal("a negative RecordCacheBytes was accepted")
	}
}
