package hitsim

import "testing"

// getter is a policy driven by slice id, as s3fifo and sieve are.
type getter interface{ get(id int32) bool }

func run(c getter, ids []int32) (hits int) {
	for _, id := range ids {
		if c.get(id) {
			hits++
		}
	}
	return hits
}

func ones(n int) []int64 {
	s := make([]int64, n)
	for i := range s {
		s[i] = 1
	}
	return s
}

// TestSIEVEHand follows the published example's mechanics: a hit sets
// the visited bit, the hand spares (and clears) visited slices and
// stays where it stopped.
func TestSIEVEHand(t *testing.T) {
	c := newSIEVE(ones(8), 3)
	// A B C, hit A, then D evicts B (A is spared, its bit cleared), E
	// evicts C (the hand stayed after B), F evicts D: the hand moves on
	// towards the head and does not come back to A before it wraps.
	const a, b, cc, d, e, f = 0, 1, 2, 3, 4, 5
	run(c, []int32{a, b, cc, a, d})
	if !c.in[a] || c.in[b] || c.visited[a] {
		t.Fatalf("after D: A in %v (visited %v), B in %v", c.in[a], c.visited[a], c.in[b])
	}
	run(c, []int32{e})
	if c.in[cc] || !c.in[a] {
		t.Fatalf("after E: C in %v, A in %v", c.in[cc], c.in[a])
	}
	run(c, []int32{f})
	if !c.in[a] || c.in[d] || !c.in[e] || !c.in[f] || c.q.bytes != 3 {
		t.Fatalf("after F: A %v D %v E %v F %v, bytes %d", c.in[a], c.in[d], c.in[e], c.in[f], c.q.bytes)
	}
}

// scanWithHotSet is a hot set of 3 slices seen in 5 tight rounds (2
// one-time slices between them), then in 45 rounds with 20 one-time
// slices between them: more than a cache of 10 holds, so LRU loses the
// hot set every round of the second part.
func scanWithHotSet() ([]int32, int) {
	var ids []int32
	next := int32(3)
	for r := range 50 {
		ids = append(ids, 0, 1, 2)
		for range map[bool]int{true: 2, false: 20}[r < 5] {
			ids = append(ids, next)
			next++
		}
	}
	return ids, int(next)
}

// TestS3FIFOResistsScans: the hot set reaches the main FIFO, hit while
// in the small one, and stays there while the scan passes through the
// small FIFO; LRU loses it.
func TestS3FIFOResistsScans(t *testing.T) {
	ids, n := scanWithHotSet()
	s3 := newS3FIFO(ones(n), 10)
	hits := run(s3, ids)
	if hits < 3*45 {
		t.Errorf("S3-FIFO: %d hits, want the hot set to hit in every round of the scan", hits)
	}
	for id := range int32(3) {
		if s3.where[id] != s3Main {
			t.Errorf("hot slice %d is in queue %d, want main", id, s3.where[id])
		}
	}
	lru := lruHits(ids, n, 10)
	if lru >= hits {
		t.Errorf("LRU %d hits, S3-FIFO %d", lru, hits)
	}
	t.Logf("hot-set hits: S3-FIFO %d, SIEVE %d, LRU %d of %d", hits, run(newSIEVE(ones(n), 10), ids), lru, 3*50)
}

// TestS3FIFOGhost: a slice evicted from the small FIFO without a hit is
// remembered, and comes back into the main FIFO.
func TestS3FIFOGhost(t *testing.T) {
	c := newS3FIFO(ones(30), 10) // small FIFO: 1 slice
	for id := range int32(12) {
		c.get(id)
	}
	if c.where[0] != s3None || c.ghost.gen[0] == 0 {
		t.Fatalf("slice 0: queue %d, ghost %v", c.where[0], c.ghost.gen[0] != 0)
	}
	if c.get(0) || c.where[0] != s3Main {
		t.Fatalf("slice 0 readmitted into queue %d, want main", c.where[0])
	}
	if c.ghost.take(0) {
		t.Fatal("slice 0 still in the ghost after readmission")
	}
}

// TestByteCapacityHolds: with slices of unequal sizes, neither policy
// ever holds more bytes than its capacity, and a slice larger than the
// capacity is not admitted.
func TestByteCapacityHolds(t *testing.T) {
	sizes := make([]int64, 500)
	for i := range sizes {
		sizes[i] = int64(1 + i%7)
	}
	sizes[499] = 41
	s3, sv := newS3FIFO(sizes, 40), newSIEVE(sizes, 40)
	for i := range 5000 {
		id := int32((i * 7919) % 500)
		s3.get(id)
		sv.get(id)
		if s3.used() > 40 || sv.q.bytes > 40 {
			t.Fatalf("access %d: S3-FIFO holds %d, SIEVE %d bytes of 40", i, s3.used(), sv.q.bytes)
		}
	}
	if s3.where[499] != s3None || sv.in[499] {
		t.Fatal("a slice larger than the cache was admitted")
	}
}

func lruHits(ids []int32, n int, capacity int64) int {
	w := &workload{keys: make([]string, n), sizes: ones(n)}
	for _, id := range ids {
		w.accesses = append(w.accesses, access{id: id})
	}
	c, hits := newLRU(w, capacity), 0
	for i := range w.accesses {
		if c.access(w, i) {
			hits++
		}
	}
	return hits
}
