package fillplan

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func files(n int, size int64) []File {
	var out []File
	for i := range n {
		out = append(out, File{Key: fmt.Sprintf("/titles/t%03d/seg.m4s", i), Size: size, SHA256: strings.Repeat("a", 64), Popularity: float64(n - i)})
	}
	return out
}

func site(nodes int, capacity int64) Site {
	s := Site{Name: "ams"}
	for i := range nodes {
		s.Nodes = append(s.Nodes, Node{Name: fmt.Sprintf("n%d", i+1), Weight: 1, Capacity: capacity})
	}
	return s
}

func TestPlanOrdersCopiesAndFits(t *testing.T) {
	fs := files(100, 1000)
	m, err := Plan(site(3, 60_000), fs, 1, time.Unix(0, 0), DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	if m.Entries[0].Key != fs[0].Key || m.Entries[0].Copies != 3 || m.Entries[10].Copies != 2 || m.Entries[50].Copies != 1 {
		t.Fatalf("copies by rank: %d %d %d", m.Entries[0].Copies, m.Entries[10].Copies, m.Entries[50].Copies)
	}
	used := map[string]int64{}
	for i, e := range m.Entries {
		if e.Priority != i+1 {
			t.Fatal("priorities must follow popularity")
		}
		for _, n := range e.Nodes {
			used[n] += e.Size
		}
	}
	for n, u := range used {
		if u > 60_000 {
			t.Fatalf("%s holds %d bytes over its 60000", n, u)
		}
	}
	// 180 kB of capacity for 100 kB of files with 5 and 15 extra copies:
	// everything fits.
	if len(m.Entries) != 100 {
		t.Fatalf("%d entries, want 100", len(m.Entries))
	}
}

func TestPlanDropsLeastPopularWhenFull(t *testing.T) {
	m, err := Plan(site(2, 10_000), files(100, 1000), 1, time.Unix(0, 0), DefaultPolicy())
	if err != nil {
		t.Fatal(err)
	}
	var total int64
	for _, e := range m.Entries {
		total += e.Size * int64(e.Copies)
	}
	if total > 20_000 || len(m.Entries) >= 20 || m.Entries[0].Key != "/titles/t000/seg.m4s" {
		t.Fatalf("%d entries, %d bytes", len(m.Entries), total)
	}
}

func TestPlanIsDeterministic(t *testing.T) {
	a, _ := Plan(site(4, 1<<30), files(500, 1000), 1, time.Unix(0, 0), DefaultPolicy())
	b, _ := Plan(site(4, 1<<30), files(500, 1000), 1, time.Unix(0, 0), DefaultPolicy())
	for i := range a.Entries {
		if fmt.Sprint(a.Entries[i]) != fmt.Sprint(b.Entries[i]) {
			t.Fatal("plans differ")
		}
	}
}

func TestBadSite(t *testing.T) {
	for _, s := range []Site{{}, {Name: "x"}, {Name: "x", Nodes: []Node{{Name: "a"}}}, {Name: "x", Nodes: []Node{{Name: "a", Capacity: 1}, {Name: "a", Capacity: 1}}}} {
		if _, err := Plan(s, nil, 1, time.Now(), DefaultPolicy()); err == nil {
			t.Errorf("%+v accepted", s)
		}
	}
}
