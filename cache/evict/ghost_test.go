package evict

import "testing"

// TestGhostWindow: a key is remembered while the blocks added since it,
// its own included, stay within the limit, and taken only once.
func TestGhostWindow(t *testing.T) {
	g := newGhost(1 << 20)
	g.limit = 100
	g.resize(64)
	for h := uint64(1); h <= 10; h++ {
		g.add(h, 10)
	}
	if !g.take(1) || g.take(1) {
		t.Fatal("key 1 (100 blocks with the ones after it) must be taken exactly once")
	}
	g.add(11, 10)
	g.add(12, 10) // key 2 has 110 blocks since it, its own included: out
	if g.take(2) {
		t.Fatal("key 2 fell out of the window")
	}
	if !g.take(3) || !g.take(12) {
		t.Fatal("keys 3 (exactly 100 blocks) and 12 are within the window")
	}
}

// TestGhostFullBucket: a full bucket forgets its oldest key.
func TestGhostFullBucket(t *testing.T) {
	g := newGhost(1 << 20)
	g.limit = 1 << 20
	g.resize(1) // one bucket of ghostWays slots
	for h := uint64(1); h <= ghostWays+1; h++ {
		g.add(h, 1)
	}
	if g.take(1) {
		t.Fatal("the oldest key survived a full bucket")
	}
	for h := uint64(2); h <= ghostWays+1; h++ {
		if !g.take(h) {
			t.Fatalf("key %d forgotten", h)
		}
	}
}

// TestGhostScaledStamps: with a capacity beyond 2^30 blocks, stamps
// count the clock in coarser units and still bound the window.
func TestGhostScaledStamps(t *testing.T) {
	g := newGhost(1 << 34) // 64 TiB
	if g.shift == 0 {
		t.Fatal("no scaling for a 64 TiB ghost")
	}
	g.limit = 1 << 33
	g.resize(64)
	g.add(1, 1<<31)
	for h := uint64(10); h < 13; h++ {
		g.add(h, 1<<31)
	}
	if !g.take(1) {
		t.Fatal("key 1 is within the window")
	}
	g.add(2, 1<<31)
	for h := uint64(20); h < 24; h++ {
		g.add(h, 1<<31)
	}
	if g.take(2) {
		t.Fatal("key 2 fell out")
	}
}
