package main

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

const tierSites = `sites:
  - name: ix
  - name: isp-1
    parents: [ix]
  - name: isp-2
    parents: [ix]
  - name: isp-3
    parents: [ix]
  - name: sim-ix
  - name: sim-1
    parents: [sim-ix]
  - name: sim-2
    parents: [sim-ix]
  - name: sim-3
    parents: [sim-ix]
  - name: flat-ix
  - name: flat-1
  - name: flat-2
  - name: flat-3
`

// TestTierFillOriginEgress measures what one parent and three child
// sites filling the same title cost in origin egress, with tiering and
// without. Tiered: ix (two edges in a site cluster) is the parent of
// isp-1..3 (one edge each), and its fill window is closed, so the
// children fill first, through the ix node owning each file
// (pull-through); ix's own fill, forced afterwards, copies from its
// owners (its fill masters) and asks the origin nothing. Together: the same tree, the parent filling at the same
// time as its children (its fill and a child's pull-through of the same
// file are not collapsed, so up to 2× is possible: asserted ≤ 2, the
// figure printed). Flat: four sites without parents, each on the
// origin. Each group has its own counting origin.
func TestTierFillOriginEgress(t *testing.T) {
	e := newTierEnv(t, tierSites)
	tiered, flat := e.origin(), e.origin()
	t0 := time.Now()
	phase := func(what string) { t.Logf("%s after %.1f s", what, time.Since(t0).Seconds()) }

	ix := []*tierEdge{e.edge("ix-1", "ix", tiered, true, true)}
	ix = append(ix, e.edge("ix-2", "ix", tiered, true, true, ix[0].gossip))
	e.live("ix", "ix-1", true)
	e.live("ix", "ix-2", true)
	var kids []*tierEdge
	for i := 1; i <= 3; i++ {
		kids = append(kids, e.edge(fmt.Sprintf("isp-%d-1", i), fmt.Sprintf("isp-%d", i), tiered, false, false))
	}
	for _, k := range kids {
		if st := e.filled(k); st.BySource["parent"] != e.catalogue || st.BySource["origin"] != 0 {
			t.Errorf("%s filled %v bytes by source, want all %d from the parent", k.name, st.BySource, e.catalogue)
		}
		e.verify(k)
	}
	// Both parent nodes fill together, as in a window they share: each
	// waits for the other as the fill master of its files.
	for _, p := range ix {
		p.forced = true
		adminDo(t, "POST", p.admin+"/v1/fill/now", tierToken, nil, nil)
	}
	for _, p := range ix {
		st, plan := e.filledPlan(p)
		if st.BySource["origin"] != 0 {
			t.Errorf("%s fetched %v bytes by source for its own fill, want none from the origin", p.name, st.BySource)
		}
		e.verifyPlanned(p, plan)
	}
	withTiers := tiered.Sent("")
	phase("tiered group filled")

	together := e.origin()
	sim := []*tierEdge{e.edge("sim-ix-1", "sim-ix", together, true, false)}
	e.live("sim-ix", "sim-ix-1", true)
	for i := 1; i <= 3; i++ {
		sim = append(sim, e.edge(fmt.Sprintf("sim-%d-1", i), fmt.Sprintf("sim-%d", i), together, false, false))
	}
	for _, ed := range sim {
		e.filled(ed)
		e.verify(ed)
	}
	withTogether := together.Sent("")
	phase("together group filled")

	var flats []*tierEdge
	for _, name := range []string{"flat-ix", "flat-1", "flat-2", "flat-3"} {
		flats = append(flats, e.edge(name+"-1", name, flat, false, false))
	}
	for _, f := range flats {
		e.filled(f)
		e.verify(f)
	}
	without := flat.Sent("")
	phase("flat group filled")
	ratio := func(b int64) float64 { return float64(b) / float64(e.catalogue) }
	ratioWith, ratioTogether, ratioWithout := ratio(withTiers), ratio(withTogether), ratio(without)
	t.Logf("origin egress for 1 parent + 3 child sites, %d files, %d bytes: tiered %d bytes (%.2f× the titles' bytes), tiered with the parent filling alongside %d bytes (%.2f×), flat %d bytes (%.2f×)",
		len(e.files), e.catalogue, withTiers, ratioWith, withTogether, ratioTogether, without, ratioWithout)
	fmt.Printf("tierfill: origin bytes / catalogue bytes: tiered %.2f, tiered-together %.2f, flat %.2f (%d files, %d bytes)\n",
		ratioWith, ratioTogether, ratioWithout, len(e.files), e.catalogue)
	if ratioWith > 1.5 || ratioTogether > 2 || ratioWithout < 3 {
		t.Fatalf("origin egress %.2f× with tiering (want ≤ 1.5), %.2f× with the parent filling alongside (want ≤ 2), %.2f× without (want ≥ 3)",
			ratioWith, ratioTogether, ratioWithout)
	}
}

// TestTierFillParentChildJoinLeave runs a controller whose sites file
// names a parent site ix and its child isp, both without nodes: edges
// join by heartbeat. ix-1 fills from the origin; isp-1 then fills every
// file from ix-1 and the origin sees no new request; the parent's peer
// listener takes the child's grant and refuses anything else (401);
// isp-2 joins, is planned, and fills its share from ix-1, again without
// an origin request. Then ix-1 leaves (parent down) and isp-3 joins: it
// fills its share from the origin, one request per file. Every copy is
// read back from its node, checksums verified.
func TestTierFillParentChildJoinLeave(t *testing.T) {
	e := newTierEnv(t, "sites:\n  - name: ix\n  - name: isp\n    parents: [ix]\n")
	o := e.origin()
	ix := e.edge("ix-1", "ix", o, true, false)
	e.live("ix", "ix-1", true)
	e.filled(ix)
	e.verify(ix)
	first := e.requests(o)
	for key, n := range first {
		if n != 1 {
			t.Fatalf("%s: %d origin requests after ix-1 filled, want 1", key, n)
		}
	}

	isp1 := e.edge("isp-1", "isp", o, true, false)
	e.live("isp", "isp-1", true)
	if st := e.filled(isp1); st.BySource["parent"] != e.catalogue || st.BySource["origin"] != 0 {
		t.Errorf("isp-1 filled %v bytes by source, want all %d from the parent", st.BySource, e.catalogue)
	}
	e.verify(isp1)
	e.sameRequests(o, first, "after isp-1 filled from its parent")
	e.statusPageParents(map[string]string{"ix": "[]", "isp": "[ix]"})

	// The parent's peer listener: the child's grant opens it, nothing else.
	var dir struct{ Grant string }
	if code := e.api("/v1/parents/isp", &dir); code != 200 || dir.Grant == "" {
		t.Fatalf("GET /v1/parents/isp: %d", code)
	}
	var key string
	for key = range e.files {
		break
	}
	ixPeer, ispPeer := e.peerAddr("ix", "ix-1"), e.peerAddr("isp", "isp-1")
	for _, tc := range []struct {
		name, addr, auth string
		want             int
	}{
		{"the child's grant at the parent", ixPeer, "Grant " + dir.Grant, 200},
		{"no credentials", ixPeer, "", 401},
		{"a tampered grant", ixPeer, "Grant " + strings.Replace(dir.Grant, ".", "A.", 1), 401},
		{"the child's grant at the child itself", ispPeer, "Grant " + dir.Grant, 401},
	} {
		if got := peerGet(t, tc.addr, key, tc.auth); got != tc.want {
			t.Errorf("%s: %d, want %d", tc.name, got, tc.want)
		}
	}

	// isp-2 joins: planned, it fills its share from the parent.
	isp2 := e.edge("isp-2", "isp", o, false, false)
	e.live("isp", "isp-2", false)
	var plan map[string][]string
	testenv.EventuallyErr(t, 20*time.Second, "isp-2 to be planned", func() error {
		if plan = e.plan("isp"); e.count(plan, "isp-2") == 0 {
			return fmt.Errorf("isp's plan: %v", plan)
		}
		return nil
	})
	st, plan := e.filledPlan(isp2)
	if st.BySource["origin"] != 0 || st.BySource["parent"] == 0 {
		t.Errorf("isp-2 filled %v bytes by source, want all from the parent", st.BySource)
	}
	e.verifyPlanned(isp2, plan)
	e.sameRequests(o, first, "after isp-2 joined and filled")

	// The parent goes down; isp-3 joins and fills its share from the origin.
	ix.stop(t)
	isp3 := e.edge("isp-3", "isp", o, false, false)
	e.live("isp", "isp-3", false)
	testenv.EventuallyErr(t, 20*time.Second, "isp-3 to be planned", func() error {
		if plan = e.plan("isp"); e.count(plan, "isp-3") == 0 {
			return fmt.Errorf("isp's plan: %v", plan)
		}
		return nil
	})
	st, plan = e.filledPlan(isp3)
	if st.BySource["parent"] != 0 || st.BySource["origin"] == 0 {
		t.Errorf("isp-3 filled %v bytes by source, want all from the origin (the parent is down)", st.BySource)
	}
	e.verifyPlanned(isp3, plan)
	for key, nodes := range plan {
		want := first[key]
		if slices.Contains(nodes, "isp-3") {
			want++
		}
		if got := o.Requests(key); got != want {
			t.Errorf("%s: %d origin requests, want %d (planned on %v)", key, got, want, nodes)
		}
	}
	t.Logf("%d files: ix-1 from the origin, isp-1 all from ix-1, isp-2 %d from ix-1, isp-3 %d from the origin with ix-1 down",
		len(e.files), e.count(plan, "isp-2"), e.count(plan, "isp-3"))
}
