package disktier

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vodedge/vodedge/cache/evict"
	"github.com/vodedge/vodedge/internal/testenv"
)

// reopen opens the tier of cfg and waits for it to load; the caller
// closes it.
func reopen(t *testing.T, cfg Config) *Store {
	t.Helper()
	s, err := Open(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, s)
	return s
}

// saved returns the eviction state of every entry of s's only disk, by
// hash.
func saved(s *Store) map[uint64]evict.Saved {
	out := map[uint64]evict.Saved{}
	var batch []evict.Saved
	for from := 0; from >= 0; {
		batch, from = onlyDisk(s).table.Export(batch[:0], from, 100)
		for _, e := range batch {
			out[e.Hash] = e
		}
	}
	return out
}

// TestRestartRestoresEvictionState: the table saved at Close comes back
// entry for entry (queue, place in it, counter, pin, size), so a
// restart does not reset what the policy learnt.
func TestRestartRestoresEvictionState(t *testing.T) {
	cfg := testCfg(t.TempDir())
	cfg.CapacityBytes = 1 << 20 // 64 slices: evictions move entries to the main queue
	s := reopen(t, cfg)
	for i := range 100 {
		k := fmt.Sprintf("/r/%d", i)
		put(t, s, k, data(16<<10, byte(i)))
		for range i % 4 {
			s.Lookup(k, true)
		}
	}
	s.Pin("/r/99", true)
	before := saved(s)
	st := onlyDisk(s).table.Stats()
	if st.MainBytes == 0 || st.SmallBytes == 0 {
		t.Fatalf("want both queues in use: %+v", st)
	}
	s.Close()
	if _, err := os.Stat(filepath.Join(cfg.Dir, stateFile)); err != nil {
		t.Fatal("no eviction state saved:", err)
	}

	s = reopen(t, cfg)
	defer s.Close()
	after := saved(s)
	if len(after) != len(before) {
		t.Fatalf("%d entries after the restart, %d before", len(after), len(before))
	}
	for h, b := range before {
		if a := after[h]; a != b {
			t.Fatalf("entry %x: %+v after the restart, %+v before", h, a, b)
		}
	}
	if !s.Pinned("/r/99") {
		t.Fatal("pin lost")
	}
}

// TestRestartReconcilesAStaleState: a saved state older than the index
// (a crash after later commits and deletes) is set right from the
// index before the disk admits anything.
func TestRestartReconcilesAStaleState(t *testing.T) {
	cfg := testCfg(t.TempDir())
	s := reopen(t, cfg)
	for i := range 10 {
		put(t, s, fmt.Sprintf("/a/%d", i), data(5000, byte(i)))
	}
	s.Close()
	state := filepath.Join(cfg.Dir, stateFile)
	old, err := os.ReadFile(state)
	if err != nil {
		t.Fatal(err)
	}

	s = reopen(t, cfg)
	for i := range 5 {
		put(t, s, fmt.Sprintf("/b/%d", i), data(9000, byte(i)))
	}
	s.Delete("/a/0")
	s.Pin("/a/1", true)
	wantUsed, wantObjects, _ := s.Usage()
	s.Close()
	os.WriteFile(state, old, 0o644) // as if the last save had been lost

	s = reopen(t, cfg)
	defer s.Close()
	if used, objects, _ := s.Usage(); used != wantUsed || objects != wantObjects {
		t.Fatalf("used %d objects %d, want %d and %d", used, objects, wantUsed, wantObjects)
	}
	if s.Has("/a/0") || !s.Has("/b/4") || !s.Pinned("/a/1") {
		t.Fatalf("has /a/0 %v, /b/4 %v; /a/1 pinned %v", s.Has("/a/0"), s.Has("/b/4"), s.Pinned("/a/1"))
	}
}

// collidingCfg gives every key under /c/ the same hash.
func collidingCfg(dir string) Config {
	cfg := testCfg(dir)
	cfg.test.keyHash = func(k string) uint64 {
		if strings.HasPrefix(k, "/c/") {
			return 1
		}
		return evict.Hash(k)
	}
	return cfg
}

// TestHashCollision: two keys with one 64-bit hash share an entry;
// each is found, deleted and pinned on its own, they are evicted
// together, and the pair survives a restart.
func TestHashCollision(t *testing.T) {
	cfg := collidingCfg(t.TempDir())
	cfg.CapacityBytes = 1 << 20
	s := reopen(t, cfg)
	put(t, s, "/c/a", data(3*4096, 1))
	put(t, s, "/c/b", data(5*4096, 2))
	if used, objects, _ := s.Usage(); used != 8*4096 || objects != 1 {
		t.Fatalf("used %d objects %d: want 8 blocks in one entry", used, objects)
	}
	for _, k := range []string{"/c/a", "/c/b"} {
		if _, ok := s.Lookup(k, true); !ok || !s.NeedsVerify(k) {
			t.Fatalf("%s: found %v; a shared entry must always verify", k, ok)
		}
	}
	if _, ok := s.Lookup("/c/none", true); ok {
		t.Fatal("a third key of the hash was found")
	}
	if !s.Delete("/c/a") || !s.Has("/c/b") {
		t.Fatal("deleting one key lost the other")
	}
	if used, _, _ := s.Usage(); used != 5*4096 {
		t.Fatalf("used %d after deleting one key", used)
	}
	put(t, s, "/c/a", data(3*4096, 1))
	s.Pin("/c/a", true)
	s.Pin("/c/b", true)
	s.Pin("/c/a", false)
	if !s.Pinned("/c/a") {
		t.Fatal("the shared entry was unpinned while /c/b is pinned")
	}
	s.Close()

	s = reopen(t, cfg)
	defer s.Close()
	rb, _ := s.Lookup("/c/b", false)
	pairFile := rb.File
	if st, ok := onlyDisk(s).table.Stat(1); !ok || st.Keys != 2 || !st.Pinned || st.Bytes != 8*4096 {
		t.Fatalf("after the restart: %+v %v", st, ok)
	}
	for i := range 120 { // pinned: the pair stays
		put(t, s, fmt.Sprintf("/o/%d", i), data(16<<10, byte(i)))
	}
	if _, ok := s.Lookup("/c/a", false); !ok {
		t.Fatal("a pinned pair was evicted")
	}
	s.Pin("/c/b", false)
	// Unpinned, the pair goes, both keys at once, once the main queue
	// has passed over it as often as it was hit.
	for i := 0; i < 2000 && onlyDisk(s).table.Has(1); i++ {
		k := fmt.Sprintf("/p/%d", i)
		put(t, s, k, data(16<<10, byte(i)))
		s.Lookup(k, true) // hit once: on to the main queue, which then evicts too
	}
	for _, k := range []string{"/c/a", "/c/b"} {
		if r, err := onlyDisk(s).get(k); err != nil || r != nil {
			t.Fatalf("%s still indexed after its entry was evicted: %v", k, err)
		}
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, "data", pairFile)); !os.IsNotExist(err) {
		t.Fatal("an evicted slice's file is left:", err)
	}
}

// TestEvictionNeverTakesPinned: a slice the index says is pinned is not
// evicted even when the table did not know (it learns it then).
func TestEvictionNeverTakesPinned(t *testing.T) {
	cfg := testCfg(t.TempDir())
	cfg.CapacityBytes = 1 << 20
	s := openStore(t, cfg, Deps{})
	d := onlyDisk(s)
	put(t, s, "/pinned", data(4096, 1))
	r, _ := d.get("/pinned")
	r.Pinned = true // in the index only
	if err := d.ix.apply(func(db *pebble.DB) error { return setPinnedEntry(db, r, d.hash(r.Key)) }); err != nil {
		t.Fatal(err)
	}
	d.recs.invalidate(r.Key)
	for i := range 200 {
		put(t, s, fmt.Sprintf("/o/%d", i), data(16<<10, byte(i)))
		if _, ok := s.Lookup("/pinned", false); !ok {
			t.Fatalf("pinned slice evicted after %d puts", i)
		}
	}
	if !s.Pinned("/pinned") {
		t.Fatal("the table did not learn the pin")
	}
}

// TestOrphanSweep: at start-up, data files no record names are removed,
// wherever they are, and every committed file is kept.
func TestOrphanSweep(t *testing.T) {
	dir := t.TempDir()
	cfg := testCfg(dir)
	s := reopen(t, cfg)
	want := map[string][]byte{}
	for i := range 50 {
		k := fmt.Sprintf("/k/%d", i)
		want[k] = data(3000, byte(i))
		put(t, s, k, want[k])
	}
	r, _ := s.Lookup("/k/1", false)
	s.Close()

	var orphans []string
	add := func(rel string) {
		p := filepath.Join(dir, "data", rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		os.WriteFile(p, []byte("orphan"), 0o644)
		orphans = append(orphans, p)
	}
	add(filepath.Dir(r.File) + "/" + strings.Repeat("e", 24) + "-" + strings.Repeat("0", 16)) // beside a kept file
	add(r.File + "-copy")
	for i := range 20 {
		add(fmt.Sprintf("%02x/%02x/%024x-%016x", i, i, i, i))
	}
	add("stray")

	s = reopen(t, cfg)
	defer s.Close()
	testenv.Eventually(t, 10*time.Second, "the orphans to be removed", func() bool {
		for _, p := range orphans {
			if _, err := os.Stat(p); !os.IsNotExist(err) {
				return false
			}
		}
		return true
	})
	for k, b := range want {
		if got, err := readVerified(s, k); err != nil || !bytes.Equal(got, b) {
			t.Fatalf("%s after the sweep: %v", k, err)
		}
	}
}

// TestIndexFromBeforeEntryKeys: an index written before the "h/" and
// "f/" keys (with per-key access statistics) gets them at start-up and
// loses the statistics; its slices are found and evictable.
func TestIndexFromBeforeEntryKeys(t *testing.T) {
	dir := t.TempDir()
	cfg := testCfg(dir)
	cfg.CapacityBytes = 1 << 20 // 32 slices
	s := reopen(t, cfg)
	for i := range 30 {
		put(t, s, fmt.Sprintf("/k/%d", i), data(32<<10, byte(i)))
	}
	s.Close()
	os.Remove(filepath.Join(dir, stateFile))
	db, err := pebble.Open(filepath.Join(dir, "index"), &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b := db.NewBatch()
	b.DeleteRange(hashPrefix, prefixEnd(hashPrefix), nil)
	b.DeleteRange(filePrefix, prefixEnd(filePrefix), nil)
	b.Delete(keysMarker, nil)
	b.Set(append(append([]byte(nil), statsPrefix...), "/k/1"...), make([]byte, 20), nil)
	if err := b.Commit(pebble.Sync); err != nil {
		t.Fatal(err)
	}
	b.Close()
	db.Close()

	s = reopen(t, cfg)
	if _, objects, _ := s.Usage(); objects != 30 {
		t.Fatalf("%d objects after the upgrade, want 30", objects)
	}
	s.Close()

	// A rollback: the version before writes a slice without its keys,
	// and access statistics; back on this one, the slice's file stays.
	db, err = pebble.Open(filepath.Join(dir, "index"), &pebble.Options{})
	if err != nil {
		t.Fatal(err)
	}
	r := &Record{Key: "/k/old", File: fileName("/k/old"), Length: 5, ObjSize: 5, ChunkBytes: 4096, CRCs: []uint32{checksum([]byte("hello"))}}
	os.MkdirAll(filepath.Join(dir, "data", filepath.Dir(r.File)), 0o755)
	os.WriteFile(filepath.Join(dir, "data", r.File), []byte("hello"), 0o644)
	db.Set(recKey(r.Key), r.encode(), nil)
	db.Set(append(append([]byte(nil), statsPrefix...), "/k/old"...), make([]byte, 20), nil)
	db.Close()
	s = reopen(t, cfg)
	defer s.Close()
	if got, err := readVerified(s, "/k/old"); err != nil || string(got) != "hello" {
		t.Fatalf("a slice written by the version before: %q %v", got, err)
	}
	d := onlyDisk(s)
	if ok, _ := d.hasKey(append(append([]byte(nil), statsPrefix...), "/k/1"...)); ok {
		t.Fatal("access statistics kept")
	}
	for i := range 20 {
		put(t, s, fmt.Sprintf("/n/%d", i), data(32<<10, byte(i)))
	}
	if used, objects, capacity := s.Usage(); used > capacity || objects != 32 {
		t.Fatalf("used %d of %d, %d objects: evictions failed", used, capacity, objects)
	}
}

// TestAdmitsWhileReconciling: with a saved state, a restarted disk
// admits objects while it reconciles; commits, deletes and pins on both
// sides of the reconciliation's progress leave the table exactly the
// index's once it ends (a commit is counted once, a delete not at all).
func TestAdmitsWhileReconciling(t *testing.T) {
	cfg := testCfg(t.TempDir())
	s := reopen(t, cfg)
	for i := range 40 {
		put(t, s, fmt.Sprintf("/a/%d", i), data(5000, byte(i)))
	}
	s.Close()

	pages, release := make(chan struct{}), make(chan struct{})
	cfg.test.pageKeys = 4 // 10 pages or more: five steps run while it is still going
	cfg.test.beforePage = func() {
		pages <- struct{}{}
		<-release
	}
	s, err := Open(cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	d := onlyDisk(s)
	next := func() { // let one page through and wait for the next to start
		release <- struct{}{}
		<-pages
	}
	<-pages // restored; nothing marked yet
	if !d.admit.Load() || d.Loaded() {
		t.Fatalf("admitting %v, loaded %v: want admitting, not loaded", d.admit.Load(), d.Loaded())
	}
	step := func(i int) {
		put(t, s, fmt.Sprintf("/b/%d", i), data(9000, byte(i)))    // new
		put(t, s, fmt.Sprintf("/a/%d", i), data(7000, byte(i)))    // rewritten
		s.Delete(fmt.Sprintf("/a/%d", 10+i))                       // deleted
		s.Pin(fmt.Sprintf("/a/%d", 20+i), true)                    // pinned
		if _, ok := s.Lookup(fmt.Sprintf("/b/%d", i), true); !ok { // found meanwhile
			t.Fatalf("/b/%d not found while reconciling", i)
		}
	}
	for i := range 5 {
		step(i)
		next()
	}
	done := make(chan struct{})
	go func() { // the remaining pages
		defer close(done)
		for {
			select {
			case release <- struct{}{}:
			case <-pages:
			case <-time.After(50 * time.Millisecond):
				if d.Loaded() {
					return
				}
			}
		}
	}()
	waitLoaded(t, s)
	<-done

	want := map[string]int64{}
	for i := range 40 {
		want[fmt.Sprintf("/a/%d", i)] = 5000
	}
	for i := range 5 {
		want[fmt.Sprintf("/b/%d", i)] = 9000
		want[fmt.Sprintf("/a/%d", i)] = 7000
		delete(want, fmt.Sprintf("/a/%d", 10+i))
	}
	var bytes int64
	for k, n := range want {
		st, ok := d.table.Stat(d.hash(k))
		if !ok || st.Keys != 1 || st.Bytes != blocks(n) || st.Pinned != (k >= "/a/20" && k <= "/a/24" && len(k) == 5) {
			t.Fatalf("%s: entry %+v %v, want one key of %d bytes", k, st, ok, blocks(n))
		}
		bytes += blocks(n)
	}
	if used, objects, _ := s.Usage(); used != bytes || objects != int64(len(want)) {
		t.Fatalf("used %d, %d objects; want %d and %d", used, objects, bytes, len(want))
	}
	if s.Has("/a/10") {
		t.Fatal("a slice deleted while reconciling is in the table")
	}
}
