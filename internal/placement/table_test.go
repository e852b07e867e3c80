package placement

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

func nodes(n int) []Node {
	out := make([]Node, n)
	for i := range out {
		out[i] = Node{Name: fmt.Sprintf("edge-%02d", i+1), Weight: 1}
	}
	return out
}

func keys(n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = fmt.Sprintf("/titles/t%05d/1080p/seg-%05d.m4s", i/300, i%300)
	}
	return out
}

// moved returns the fraction of keys whose set of n owners differs
// between a and b.
func moved(a, b *Table, ks []string, n int) float64 {
	changed := 0
	for _, k := range ks {
		x, y := a.Owners(k, n), b.Owners(k, n)
		slices.Sort(x)
		slices.Sort(y)
		if !slices.Equal(x, y) {
			changed++
		}
	}
	return float64(changed) / float64(len(ks))
}

func TestMovementIsIdeal(t *testing.T) {
	ks := keys(100_000)
	five, six := New(nodes(5)), New(nodes(6))
	for _, tc := range []struct {
		name     string
		from, to *Table
	}{
		{"5→6 (join)", five, six},
		{"6→5 (leave)", six, five},
	} {
		got, ideal := moved(tc.from, tc.to, ks, 1), 1.0/6
		t.Logf("%s: %.2f%% of keys changed owner (ideal %.2f%%)", tc.name, 100*got, 100*ideal)
		if math.Abs(got-ideal) > 0.01 {
			t.Errorf("%s: %.4f of keys moved, want %.4f ± 0.01", tc.name, got, ideal)
		}
	}
}

// Only keys that the joining node takes move; no key moves between two
// nodes that were there before and after.
func TestOnlyTheChangedNodesKeysMove(t *testing.T) {
	five, six := New(nodes(5)), New(nodes(6))
	for _, k := range keys(20_000) {
		a, _ := five.Owner(k)
		b, _ := six.Owner(k)
		if a != b && b != "edge-06" {
			t.Fatalf("%s moved from %s to %s, not to the new node", k, a, b)
		}
	}
}

// With 2 owners per key, a leaving node's keys get one new owner each and
// keys it did not own keep both owners.
func TestMovementWithTwoOwners(t *testing.T) {
	ks := keys(50_000)
	six, five := New(nodes(6)), New(nodes(5))
	got, ideal := moved(six, five, ks, 2), 2.0/6
	t.Logf("6→5 with 2 owners: %.2f%% of keys changed an owner (ideal %.2f%%)", 100*got, 100*ideal)
	if math.Abs(got-ideal) > 0.01 {
		t.Errorf("%.4f of owner sets changed, want %.4f ± 0.01", got, ideal)
	}
	for _, k := range ks[:5000] {
		before, after := six.Owners(k, 2), five.Owners(k, 2)
		if !slices.Contains(before, "edge-06") && !slices.Equal(before, after) {
			t.Fatalf("%s: owners %v became %v though edge-06 owned nothing of it", k, before, after)
		}
	}
}

func TestWeightedShares(t *testing.T) {
	tab := New([]Node{{"a", 1}, {"b", 2}, {"c", 3}, {"off", 0}, {"nan", math.NaN()}, {"neg", -1}})
	if tab.Len() != 3 {
		t.Fatalf("table has %d nodes, want 3 (zero, NaN and negative weights own nothing)", tab.Len())
	}
	ks := keys(120_000)
	count := map[string]int{}
	for _, k := range ks {
		o, _ := tab.Owner(k)
		count[o]++
	}
	for name, w := range map[string]float64{"a": 1, "b": 2, "c": 3} {
		got, want := float64(count[name])/float64(len(ks)), w/6
		if math.Abs(got-want) > 0.01 {
			t.Errorf("%s owns %.4f of keys, want %.4f", name, got, want)
		}
	}
}

func TestOwnersAreDistinctOrderedAndStable(t *testing.T) {
	ns := nodes(5)
	rev := slices.Clone(ns)
	slices.Reverse(rev)
	a, b := New(ns), New(rev) // input order must not matter
	for _, k := range keys(1000) {
		o := a.Owners(k, 3)
		if len(o) != 3 || o[0] == o[1] || o[1] == o[2] || o[0] == o[2] {
			t.Fatalf("%s: owners %v", k, o)
		}
		if !slices.Equal(o, b.Owners(k, 3)) {
			t.Fatalf("%s: owners depend on input order", k)
		}
		if first, _ := a.Owner(k); first != o[0] {
			t.Fatalf("%s: Owner %s, Owners %v", k, first, o)
		}
		if all := a.Owners(k, 10); len(all) != 5 || !slices.Equal(all[:3], o) {
			t.Fatalf("%s: asking for more owners than nodes: %v", k, all)
		}
	}
	if _, ok := New(nil).Owner("/x"); ok {
		t.Fatal("an empty table has an owner")
	}
	if got := a.Owners("/x", 0); len(got) != 0 {
		t.Fatalf("0 owners asked, got %v", got)
	}
}

// Skipping a node is the same as building the table without it.
func TestRankSkip(t *testing.T) {
	full, without := New(nodes(6)), New(nodes(5))
	skip6 := func(i int) bool { return full.Node(i).Name == "edge-06" }
	for _, k := range keys(5000) {
		var names []string
		for _, i := range full.Rank(k, 2, skip6, nil) {
			names = append(names, full.Node(i).Name)
		}
		if want := without.Owners(k, 2); !slices.Equal(names, want) {
			t.Fatalf("%s: skipping edge-06 gives %v, a table without it %v", k, names, want)
		}
	}
}

func BenchmarkOwner(b *testing.B) {
	for _, n := range []int{5, 20, 100} {
		b.Run(fmt.Sprintf("nodes=%d", n), func(b *testing.B) {
			tab := New(nodes(n))
			ks := keys(4096)
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				tab.Owner(ks[i&4095])
			}
		})
	}
}
