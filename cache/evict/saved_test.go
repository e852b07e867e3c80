package evict

import (
	"math/rand/v2"
	"testing"
)

// churn runs n accesses of a skewed workload through c as a cache of
// capacity blocks would, and returns the victims it evicted.
func churn(c *Compact, r *rand.Rand, n int, capacity int64) []uint64 {
	var victims []uint64
	for range n {
		h := uint64(r.IntN(400)*r.IntN(400)/400 + 1)
		if c.Touch(h) {
			continue
		}
		for c.Stats().Bytes()+BlockBytes*int64(h%4+1) > capacity*BlockBytes {
			v, ok := c.Victim()
			if !ok {
				break
			}
			victims = append(victims, v)
			c.Evict(v)
		}
		c.Add(h, BlockBytes*int64(h%4+1), h%50 == 0)
	}
	return victims
}

// save exports c in batches of 7, encoded and decoded as a file would
// hold them.
func save(c *Compact) []Saved {
	var out []Saved
	var buf [SavedLen]byte
	for next := 0; next >= 0; {
		var batch []Saved
		batch, next = c.Export(nil, next, 7)
		for _, s := range batch {
			s.Put(buf[:])
			out = append(out, GetSaved(buf[:]))
		}
	}
	return out
}

// TestSavedRoundTrip: a table saved, restored in any order and
// reordered has the same queues, in the same order, with the same
// counters. (The ghost is not saved: it refills within one pass of the
// small queue.)
func TestSavedRoundTrip(t *testing.T) {
	const capacity = 300
	a := newTestCompact(t, capacity*BlockBytes, 0)
	churn(a, rand.New(rand.NewPCG(1, 2)), 20000, capacity)
	saved := save(a)
	b := newTestCompact(t, capacity*BlockBytes, 0)
	rand.New(rand.NewPCG(9, 9)).Shuffle(len(saved), func(i, j int) { saved[i], saved[j] = saved[j], saved[i] })
	for _, s := range saved {
		if !b.Restore(s) {
			t.Fatalf("restore of %d refused", s.Hash)
		}
	}
	if b.Restore(saved[0]) {
		t.Fatal("a hash restored twice")
	}
	b.Reorder()
	if sa, sb := a.Stats(), b.Stats(); sa.Entries != sb.Entries || sa.SmallBytes != sb.SmallBytes || sa.MainBytes != sb.MainBytes || sa.PinnedBytes != sb.PinnedBytes {
		t.Fatalf("stats differ: %+v, restored %+v", sa, sb)
	}
	for _, q := range []uint8{inSmall, inMain} {
		qa, qb := queueOrder(a, q), queueOrder(b, q)
		if len(qa) != len(qb) {
			t.Fatalf("queue %d: %d entries, restored %d", q, len(qa), len(qb))
		}
		for i := range qa {
			if qa[i] != qb[i] {
				t.Fatalf("queue %d, position %d from the tail: %+v, restored %+v", q, i, qa[i], qb[i])
			}
		}
	}
	t.Logf("%d entries saved and restored in order", len(saved))
}

type queued struct {
	hash uint64
	freq uint8
}

// queueOrder lists queue q from tail to head.
func queueOrder(c *Compact, q uint8) []queued {
	var out []queued
	t := c.t
	for e := t.queue(q).tail; e >= 0; e = t.nodes.at(e).prev {
		out = append(out, queued{t.nodes.at(e).hash, t.nodes.at(e).freq()})
	}
	return out
}

// TestSweep: after BeginSweep, entries the store Marks stay (with the
// store's sizes and pins), new ones are added, the rest are swept.
func TestSweep(t *testing.T) {
	c := newTestCompact(t, 1<<30, 0)
	for h := uint64(1); h <= 100; h++ {
		c.Add(h, BlockBytes, false)
	}
	c.Add(7, BlockBytes, false) // a collision the store no longer has
	c.BeginSweep()
	for h := uint64(1); h <= 100; h += 2 {
		c.Mark(h, 2*BlockBytes, h == 51)
	}
	c.Mark(201, BlockBytes, false) // in the store, not in the table
	c.Mark(3, BlockBytes, false)   // a second key under 3
	c.Add(300, BlockBytes, false)  // stored during the sweep
	dropped := 0
	for next := 0; next >= 0; {
		var n int
		next, n = c.Sweep(next, 16)
		dropped += n
	}
	if dropped != 50 || c.Len() != 52 {
		t.Fatalf("dropped %d, %d left; want 50 dropped, 52 left", dropped, c.Len())
	}
	for h, want := range map[uint64]CompactStat{
		1:   {Keys: 1, Bytes: 2 * BlockBytes},
		3:   {Keys: 2, Bytes: 3 * BlockBytes},
		7:   {Keys: 1, Bytes: 2 * BlockBytes},
		51:  {Keys: 1, Bytes: 2 * BlockBytes, Pinned: true},
		201: {Keys: 1, Bytes: BlockBytes},
		300: {Keys: 1, Bytes: BlockBytes},
	} {
		got, ok := c.Stat(h)
		if !ok || got.Keys != want.Keys || got.Bytes != want.Bytes || got.Pinned != want.Pinned {
			t.Errorf("entry %d: %+v %v, want %+v", h, got, ok, want)
		}
	}
	if c.Has(2) {
		t.Error("entry 2, never marked, survived")
	}
	if st := c.Stats(); st.Bytes() != (50*2+1+1+1)*BlockBytes {
		t.Errorf("%d bytes charged", st.Bytes())
	}
}
