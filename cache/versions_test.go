package cache

import (
	"net/http"
	"testing"
	"time"
	"weak"

	"github.com/vodedge/vodedge/origin"
)

// TestSupersededVersionStaysSuperseded: a version kept in
// versions.recent is served from there only while it is current; once a
// newer version supersedes it, the 304 of a revalidation begun before
// must not make it current again (it would be served from its slot).
func TestSupersededVersionStaysSuperseded(t *testing.T) {
	v := &versions{m: make(map[string]weak.Pointer[meta])}
	t0 := time.Now()
	version := func(etag string, at time.Time) *meta {
		m := newMeta("/k", "/k", origin.Meta{Size: 10, ETag: etag})
		m.st.Store(&stored{status: http.StatusOK, reqTime: at, respTime: at})
		return m
	}
	a := version(`"a"`, t0)
	if use, current := v.adopt(a); use != a || !current {
		t.Fatal("the first version was not adopted")
	}
	slot := v.slot("/k")
	keepIn(slot, a)
	if recentCurrent(slot, "/k") != a {
		t.Fatal("the kept current version is not found in its slot")
	}
	if recentCurrent(slot, "/other") != nil {
		t.Fatal("a slot answered for another key")
	}
	b := version(`"b"`, t0.Add(time.Second))
	if use, current := v.adopt(b); use != b || !current {
		t.Fatal("the newer version was not adopted")
	}
	if recentCurrent(slot, "/k") != nil {
		t.Fatal("the superseded version is still served from its slot")
	}
	late := &stored{status: http.StatusOK, reqTime: t0.Add(2 * time.Second), respTime: t0.Add(2 * time.Second)}
	if st := v.refresh(a, late); !st.superseded || !a.st.Load().superseded || recentCurrent(slot, "/k") != nil {
		t.Fatal("a late 304 made the superseded version current again")
	}
	if v.get("/k") != b {
		t.Fatal("the map lost the current version")
	}
	// The current version, superseded by a purge, is vouched for again
	// by a 304.
	keepIn(slot, b)
	b.supersede()
	if st := v.refresh(b, late); st.superseded || recentCurrent(slot, "/k") != b {
		t.Fatal("a 304 for the current version left it superseded")
	}
}
