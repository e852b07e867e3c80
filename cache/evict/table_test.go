package evict

import (
	"fmt"
	"testing"
)

func TestVictimHonoursPolicyAndPins(t *testing.T) {
	tb := New(LRU)
	for i := range 10 {
		tb.Add(fmt.Sprint(i), 100, i == 0) // 0 is the oldest but pinned
	}
	for i := 1; i < 10; i++ {
		tb.Touch(fmt.Sprint(i)) // refresh all but 0
	}
	tb.Touch("1") // 1 is now the most recent
	k, ok := tb.Victim()
	if !ok || k == "0" || k == "1" || tb.Evict(k) != 100 || tb.Evict(k) != 0 {
		t.Fatalf("victim %q %v: must be neither pinned 0 nor fresh 1, evicted once", k, ok)
	}
	if tb.Len() != 9 {
		t.Fatalf("len %d", tb.Len())
	}
	for tb.Len() > 1 {
		k, ok := tb.Victim()
		if !ok || k == "0" {
			t.Fatalf("victim %q %v", k, ok)
		}
		tb.Evict(k)
	}
	if _, ok := tb.Victim(); ok {
		t.Fatal("only a pinned entry is left: no victim expected")
	}
	tb.SetPinned("0", false)
	if k, ok := tb.Victim(); !ok || k != "0" {
		t.Fatalf("after unpinning: %q %v", k, ok)
	}
}

func TestLFUDAPrefersFrequent(t *testing.T) {
	tb := New(LFUDA)
	tb.Add("hot", 10, false)
	tb.Add("cold", 10, false)
	for range 50 {
		tb.Touch("hot")
	}
	if k, _ := tb.Victim(); k != "cold" {
		t.Fatalf("victim %q, want cold", k)
	}
}

func TestRemove(t *testing.T) {
	tb := New(GDSF)
	tb.Add("a", 5, false)
	if tb.Remove("a") != 5 || tb.Remove("a") != 0 || tb.Touch("a") || tb.SetPinned("a", true) {
		t.Fatal("remove semantics")
	}
}
