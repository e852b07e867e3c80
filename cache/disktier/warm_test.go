package disktier

import (
	"fmt"
	"testing"
	"time"
)

// TestBlockCacheBytes checks the block cache's capacity: the cap, at
// least the floor; Pebble's default without a floor.
func TestBlockCacheBytes(t *testing.T) {
	for _, c := range []struct{ floor, ceiling, want int64 }{
		{64 << 20, 8 << 30, 8 << 30},
		{64 << 20, 0, 64 << 20}, // no cap given: the floor
		{0, 8 << 30, 0},
	} {
		if got := blockCacheBytes(c.floor, c.ceiling); got != c.want {
			t.Errorf("floor %d, cap %d: %d bytes, want %d", c.floor, c.ceiling, got, c.want)
		}
	}
}

// TestWarmKeepsRecordsResident opens a bulk-loaded disk whose cache
// holds its index (TestBlockCacheBytes checks the sizing): once warmed, looking up every slice (record cache
// off) hardly misses Pebble's block cache (a handful of blocks may not
// fit their cache shard). With the cache capped below the index it is
// not warmed, and most of the same lookups miss.
func TestWarmKeepsRecordsResident(t *testing.T) {
	const n = 8000
	key := func(i int) string { return fmt.Sprintf("/warm/t%05d/seg.m4s", i) }
	dir := t.TempDir()
	if err := BulkLoad(dir, BulkSpec{Objects: n, Files: 1, Length: 64 << 10, Key: key, ChunkBytes: 4 << 10}); err != nil {
		t.Fatal(err)
	}
	misses := func(dir string, floor, ceiling int64) int64 {
		cfg := testCfg(dir)
		cfg.CapacityBytes, cfg.RecordCacheBytes = 4<<30, 0
		cfg.IndexCacheBytes, cfg.IndexCacheMaxBytes = floor, ceiling
		s := openStore(t, cfg, Deps{})
		defer s.Close()
		for deadline := time.Now().Add(time.Minute); !s.Warmed() || !s.Swept(); time.Sleep(time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatal("not warmed and swept after a minute")
			}
		}
		d := s.inService()[0]
		before := d.db.Metrics().BlockCache.Misses
		for i := range n {
			if _, ok := s.Lookup(key(i), true); !ok {
				t.Fatalf("%s not found", key(i))
			}
		}
		return d.db.Metrics().BlockCache.Misses - before
	}
	if m := misses(dir, 64<<20, 8<<30); m > n/100 {
		t.Errorf("warmed: %d block cache misses looking up %d slices, want at most 1 %%", m, n)
	}
	if m := misses(dir, 256<<10, 256<<10); m < n/2 {
		t.Errorf("a cache capped below the index: %d block cache misses looking up %d slices, want most", m, n)
	}
	// Every slice with a (sparse, zero) data file: the records' CRCs are
	// all alike and the tables compress well below what their blocks
	// take decompressed in the cache. The capacity is the cap, so they
	// are warmed all the same.
	zeros := t.TempDir()
	if err := BulkLoad(zeros, BulkSpec{Objects: n, Files: n, Length: 64 << 10, Key: key, ChunkBytes: 4 << 10}); err != nil {
		t.Fatal(err)
	}
	if m := misses(zeros, 4<<10, 64<<20); m > n/100 {
		t.Errorf("compressible index: %d block cache misses looking up %d slices, want at most 1 %%", m, n)
	}
}
