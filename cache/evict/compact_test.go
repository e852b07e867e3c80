package evict

import (
	"sync"
	"testing"
)

func newTestCompact(t testing.TB, capacity int64, scan int) *Compact {
	t.Helper()
	c, err := NewCompact(CompactConfig{CapacityBytes: capacity, ScanLimit: scan})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestHashIsFixed: the disk tier stores hashes, so Hash must never
// change between versions or processes. The figures are FNV-1a 64 then
// fmix64, computed independently (in Python).
func TestHashIsFixed(t *testing.T) {
	for key, want := range map[string]uint64{
		"":                     0xefd01f60ba992926,
		"/title1/seg.m4s":      0x87c8967fa9b72949,
		"/title1/seg.m4s\x001": 0xccd0680038ce64dd,
	} {
		if got := Hash(key); got != want {
			t.Errorf("Hash(%q) = %#x, want %#x", key, got, want)
		}
	}
}

func TestCompactConfig(t *testing.T) {
	for _, cfg := range []CompactConfig{{}, {CapacityBytes: 100}, {CapacityBytes: 1 << 20, ScanLimit: -1}, {CapacityBytes: 1 << 20, ExpectedEntries: -1}} {
		if _, err := NewCompact(cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
}

// TestCompactNewcomersGoFirst: an entry never hit leaves before entries
// hit while in the small queue, which moved to the main one.
func TestCompactNewcomersGoFirst(t *testing.T) {
	c := newTestCompact(t, 100*BlockBytes, 0)
	for h := uint64(1); h <= 10; h++ {
		c.Add(h, 10*BlockBytes, false)
	}
	for h := uint64(1); h <= 10; h++ {
		if h != 4 {
			c.Touch(h)
		}
	}
	if v, ok := c.Victim(); !ok || v != 4 {
		t.Fatalf("victim %d %v, want 4, the only entry never hit", v, ok)
	}
	if st, _ := c.Stat(1); !st.Main || st.Freq != 0 {
		t.Fatalf("entry 1 after the walk: %+v, want main with its counter cleared", st)
	}
	if !c.Has(4) || c.Evict(4) != 10*BlockBytes || c.Has(4) || c.Evict(4) != 0 {
		t.Fatal("a victim stays present until evicted, once")
	}
}

// TestCompactGhost: an entry evicted from the small queue and stored
// again goes straight to the main queue.
func TestCompactGhost(t *testing.T) {
	c := newTestCompact(t, 100*BlockBytes, 0)
	for h := uint64(1); h <= 10; h++ {
		c.Add(h, 10*BlockBytes, false)
	}
	v, _ := c.Victim()
	c.Evict(v)
	c.Add(v, 10*BlockBytes, false)
	if st, _ := c.Stat(v); !st.Main {
		t.Fatalf("entry %d readmitted from the ghost: %+v, want main", v, st)
	}
	c.Add(99, 10*BlockBytes, false)
	if st, _ := c.Stat(99); st.Main {
		t.Fatal("a new hash went to the main queue")
	}
}

// TestCompactCollision: two keys with one hash share one entry. It
// charges both sizes and counts two keys; removing one key leaves the
// other; Victim names the hash once and Evict drops both, as the disk
// tier, resolving the hash through its index, drops both keys.
func TestCompactCollision(t *testing.T) {
	c := newTestCompact(t, 1<<30, 0)
	const h = 42
	c.Add(h, 10<<10, false) // 3 blocks
	c.Add(h, 20<<10, false) // 5 blocks
	st, ok := c.Stat(h)
	if !ok || st.Keys != 2 || st.Bytes != 8*BlockBytes || c.Len() != 1 || c.Stats().Collisions != 1 {
		t.Fatalf("after two keys: %+v len %d stats %+v", st, c.Len(), c.Stats())
	}
	if got := c.Remove(h, 10<<10); got != 3*BlockBytes || !c.Has(h) {
		t.Fatalf("removing one key released %d, present %v", got, c.Has(h))
	}
	c.Add(h, 10<<10, true) // the second key comes back pinned: the entry is pinned
	if _, ok := c.Victim(); ok {
		t.Fatal("a pinned shared entry was offered")
	}
	c.SetPinned(h, false)
	v, ok := c.Victim()
	if !ok || v != h {
		t.Fatalf("victim %d %v", v, ok)
	}
	if got := c.Evict(h); got != 8*BlockBytes || c.Len() != 0 || c.Stats().Bytes() != 0 {
		t.Fatalf("evict released %d; len %d, %d bytes left", got, c.Len(), c.Stats().Bytes())
	}
}

// TestCompactPinned: pinned entries are never victims; unpinned, one hit
// while pinned joins the main queue, one never hit the small one.
func TestCompactPinned(t *testing.T) {
	c := newTestCompact(t, 10*BlockBytes, 0) // small queue's share: 1 block
	c.Add(1, BlockBytes, true)
	c.Add(2, BlockBytes, true)
	c.Add(3, BlockBytes, false)
	c.Touch(1)
	if v, ok := c.Victim(); !ok || v != 3 {
		t.Fatalf("victim %d %v, want 3", v, ok)
	}
	c.Evict(3)
	if _, ok := c.Victim(); ok {
		t.Fatal("only pinned entries left: no victim expected")
	}
	if st := c.Stats(); st.PinnedBytes != 2*BlockBytes || st.SmallBytes+st.MainBytes != 0 {
		t.Fatalf("stats %+v", st)
	}
	c.SetPinned(1, false)
	c.SetPinned(2, false)
	if s1, _ := c.Stat(1); !s1.Main {
		t.Fatal("unpinned entry hit while pinned is not in the main queue")
	}
	if v, _ := c.Victim(); v != 2 {
		t.Fatalf("victim %d, want 2 (never hit, in the small queue, which is at its share)", v)
	}
	if c.SetPinned(77, true) {
		t.Fatal("pinned an absent hash")
	}
}

// TestCompactScanLimit: with every entry hit, S3-FIFO would move the
// whole small queue to the main one, then reinsert all of the main
// queue, before finding a victim; the scan limit cuts each walk after 8
// steps and counts it.
func TestCompactScanLimit(t *testing.T) {
	c := newTestCompact(t, 100*BlockBytes, 8) // the small queue stays over its share
	for h := uint64(1); h <= 1000; h++ {
		c.Add(h, BlockBytes, false)
		c.Touch(h)
	}
	for i := range 100 {
		mainBefore := c.Stats().MainBytes
		if _, ok := c.Victim(); !ok {
			t.Fatal("no victim")
		}
		st := c.Stats()
		if st.Forced != uint64(i+1) || st.MainBytes-mainBefore > 8*BlockBytes {
			t.Fatalf("call %d: forced %d, main grew by %d blocks: want one forced victim after at most 8 moves", i, st.Forced, (st.MainBytes-mainBefore)/BlockBytes)
		}
	}
	// The main queue: entries unpinned after three hits join it with
	// their counters at 3.
	m := newTestCompact(t, 1<<30, 8)
	for h := uint64(1); h <= 100; h++ {
		m.Add(h, BlockBytes, true)
		m.Touch(h)
		m.Touch(h)
		m.Touch(h)
		m.SetPinned(h, false)
	}
	if v, ok := m.Victim(); !ok || v != 9 || m.Stats().Forced != 1 {
		t.Fatalf("victim %d %v forced %d: want the 9th tail after 8 reinsertions", v, ok, m.Stats().Forced)
	}
}

// TestCompactConcurrent: concurrent writers, readers and evictors keep
// the accounting exact and hand out each victim once.
func TestCompactConcurrent(t *testing.T) {
	c := newTestCompact(t, 1000*BlockBytes, 0)
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[uint64]bool{}
	for g := range 4 {
		wg.Go(func() {
			for i := range 2000 {
				h := uint64(g*10000 + i + 1)
				c.Add(h, BlockBytes, false)
				c.Touch(uint64(g*10000 + i/2 + 1))
				if v, ok := c.Victim(); ok {
					mu.Lock()
					if seen[v] {
						t.Errorf("victim %d handed out twice", v)
					}
					seen[v] = true
					mu.Unlock()
					if c.Evict(v) != BlockBytes {
						t.Errorf("victim %d evicted by someone else", v)
					}
				}
			}
		})
	}
	wg.Wait()
	st := c.Stats()
	if st.Bytes() != int64(8000-len(seen))*BlockBytes || st.Entries != 8000-len(seen) {
		t.Fatalf("%+v after %d evictions of 8000", st, len(seen))
	}
}

// TestCompactFlag: the caller's bit is set by SetFlag, cleared when a
// colliding key joins or leaves, and not saved.
func TestCompactFlag(t *testing.T) {
	c := newTestCompact(t, 1<<30, 0)
	if c.SetFlag(7) {
		t.Fatal("flag set on an absent hash")
	}
	c.Add(7, 4096, false)
	if st, _ := c.Stat(7); st.Flag {
		t.Fatal("a new entry is flagged")
	}
	c.SetFlag(7)
	if st, _ := c.Stat(7); !st.Flag {
		t.Fatal("flag not set")
	}
	c.Add(7, 4096, false)
	if st, _ := c.Stat(7); st.Flag {
		t.Fatal("flag kept when a second key joined")
	}
	c.SetFlag(7)
	c.Remove(7, 4096)
	if st, _ := c.Stat(7); st.Flag || st.Keys != 1 {
		t.Fatalf("after one of two keys left: %+v", st)
	}
	c.SetFlag(7)
	saved, _ := c.Export(nil, 0, 10)
	d := newTestCompact(t, 1<<30, 0)
	d.Restore(saved[0])
	if st, _ := d.Stat(7); st.Flag {
		t.Fatal("flag restored")
	}
}

// TestTouchFreqCountsUpToThree: TouchFreq returns the counter after the
// access it counts, saturating at 3; an absent hash is (0, false).
func TestTouchFreqCountsUpToThree(t *testing.T) {
	c := newTestCompact(t, 1<<30, 0)
	if f, ok := c.TouchFreq(7); ok || f != 0 {
		t.Fatalf("absent hash: (%d, %v), want (0, false)", f, ok)
	}
	c.Add(7, 100, false)
	for i, want := range []uint8{1, 2, 3, 3} {
		if f, ok := c.TouchFreq(7); !ok || f != want {
			t.Fatalf("touch %d: (%d, %v), want (%d, true)", i+1, f, ok, want)
		}
	}
	if st, _ := c.Stat(7); st.Freq != 3 {
		t.Fatalf("Stat after four touches: freq %d, want 3", st.Freq)
	}
}
