package evict

import (
	"math/rand/v2"
	"testing"
)

// TestIndexAgainstMap drives the index through random inserts and
// deletes, growing and shrinking it, and checks every hash against a
// map after each step. Hashes are drawn from a small range so that
// clusters form, wrap around the end and shift back on delete.
func TestIndexAgainstMap(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	s, x := newNodes(), index{}
	x.resize(minSlots)
	want := map[uint64]int32{}
	for step := range 20000 {
		h := r.Uint64N(3000)
		if slot, e := x.find(h, &s); e >= 0 {
			if want[h] != e {
				t.Fatalf("step %d: %d → node %d, want %d", step, h, e, want[h])
			}
			if r.IntN(3) > 0 || step > 15000 { // shrink towards the end
				x.delete(slot)
				s.release(e)
				delete(want, h)
			}
		} else {
			if _, ok := want[h]; ok {
				t.Fatalf("step %d: %d lost", step, h)
			}
			e := s.alloc()
			s.at(e).hash, s.at(e).keys = h, 1
			x.insert(h, e)
			want[h] = e
		}
		if step%1000 == 0 {
			checkIndex(t, &x, &s, want)
		}
	}
	checkIndex(t, &x, &s, want)
	t.Logf("%d entries in %d slots", x.n, len(x.slots))
}

func checkIndex(t *testing.T, x *index, s *nodes, want map[uint64]int32) {
	t.Helper()
	if x.n != len(want) || s.live != len(want) {
		t.Fatalf("index holds %d, nodes %d, want %d", x.n, s.live, len(want))
	}
	if float64(x.n) > growAt*float64(len(x.slots)) {
		t.Fatalf("%d entries in %d slots: over the load limit", x.n, len(x.slots))
	}
	for h, e := range want {
		if _, got := x.find(h, s); got != e {
			t.Fatalf("%d → %d, want %d", h, got, e)
		}
	}
}
