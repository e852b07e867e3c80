package controller

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/heartbeat"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/fillplan"
	"github.com/vodedge/vodedge/origin/kv"
)

func seedSites() []fillplan.Site {
	return []fillplan.Site{{Name: "ams", Nodes: []fillplan.Node{{Name: "ams-1", Weight: 1, Capacity: 1 << 30}}}}
}

func report(name, site string) heartbeat.Report {
	return heartbeat.Report{Name: name, Site: site, Weight: 2, CapacityBytes: 1 << 20, Version: "v1",
		Disks: []heartbeat.Disk{{Name: "d0", State: "serving", Bytes: 1, CapacityBytes: 1 << 20}}}
}

func planned(t *testing.T, r *registry, site string) []string {
	t.Helper()
	s, ok, err := r.site(site)
	if !ok {
		t.Fatalf("site %s unknown", site)
	}
	if err != nil {
		return nil
	}
	var out []string
	for _, n := range s.Nodes {
		out = append(out, n.Name)
	}
	return out
}

func nodeView(r *registry, site, name string) NodeView {
	for _, s := range r.view() {
		for _, n := range s.Nodes {
			if s.Name == site && n.Name == name {
				return n
			}
		}
	}
	return NodeView{}
}

// A node joins by heartbeat, stays while it reports, expires past the
// grace and comes back with its next heartbeat; a static node that never
// reports stays planned, one that reported is held to the grace.
func TestRegistryJoinRefreshExpire(t *testing.T) {
	clock := testenv.NewClock(time.Unix(1_700_000_000, 0))
	r, err := newRegistry(Registry{Grace: time.Minute}, seedSites(), nil, clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if got := planned(t, r, "ams"); len(got) != 1 || got[0] != "ams-1" {
		t.Fatalf("seeded: planned %v", got)
	}
	if _, err := r.heartbeat(report("ams-2", "ams")); err != nil {
		t.Fatal(err)
	}
	if got := planned(t, r, "ams"); len(got) != 2 {
		t.Fatalf("after ams-2 joined: planned %v", got)
	}
	v := nodeView(r, "ams", "ams-2")
	if v.Source != SourceRegistered || v.State != StateLive || v.Weight != 2 || v.CapacityBytes != 1<<20 || len(v.Disks) != 1 || v.Version != "v1" {
		t.Fatalf("ams-2: %+v", v)
	}
	clock.Advance(50 * time.Second)
	r.heartbeat(report("ams-2", "ams")) // refreshed
	clock.Advance(50 * time.Second)
	if got := planned(t, r, "ams"); len(got) != 2 {
		t.Fatalf("refreshed within the grace: planned %v", got)
	}
	clock.Advance(11 * time.Second)
	if got := planned(t, r, "ams"); len(got) != 1 || got[0] != "ams-1" {
		t.Fatalf("ams-2 past the grace: planned %v", got)
	}
	if v := nodeView(r, "ams", "ams-2"); v.State != StateExpired || v.AgeSeconds == nil || *v.AgeSeconds != 61 {
		t.Fatalf("expired ams-2: %+v", v)
	}
	if v := nodeView(r, "ams", "ams-1"); v.Source != SourceStatic || v.State != StateSeeded || v.AgeSeconds != nil {
		t.Fatalf("static ams-1: %+v", v)
	}
	r.heartbeat(report("ams-2", "ams"))
	if got := planned(t, r, "ams"); len(got) != 2 {
		t.Fatalf("ams-2 back: planned %v", got)
	}
	// The static node reports, then goes silent: held to the grace.
	r.heartbeat(report("ams-1", "ams"))
	clock.Advance(2 * time.Minute)
	if _, _, err := r.site("ams"); !errors.Is(err, errNoLiveNodes) {
		t.Fatalf("every node silent: %v, want errNoLiveNodes", err)
	}
	if _, ok, _ := r.site("fra"); ok {
		t.Fatal("an unknown site is known")
	}
}

func TestRegistryRefusals(t *testing.T) {
	clock := testenv.NewClock(time.Unix(1_700_000_000, 0))
	r, _ := newRegistry(Registry{Grace: time.Minute}, seedSites(), nil, clock.Now)
	if _, err := r.heartbeat(report("fra-1", "fra")); !errors.Is(err, errUnprocessable) {
		t.Fatalf("unknown site: %v, want errUnprocessable", err)
	}
	if _, err := r.heartbeat(report("ams-1", "lon")); !errors.Is(err, errUnprocessable) {
		t.Fatalf("unknown site: %v", err)
	}
	open, _ := newRegistry(Registry{Grace: time.Minute, AllowNewSites: true}, seedSites(), nil, clock.Now)
	if _, err := open.heartbeat(report("ams-1", "lon")); !errors.Is(err, errConflict) {
		t.Fatalf("a static node in another site: %v, want errConflict", err)
	}
	if _, err := open.heartbeat(report("fra-1", "fra")); err != nil {
		t.Fatalf("new site allowed: %v", err)
	}
	if _, err := open.heartbeat(report("fra-1", "par")); !errors.Is(err, errConflict) {
		t.Fatalf("a live node moving site: %v, want errConflict", err)
	}
	clock.Advance(2 * time.Minute)
	if _, err := open.heartbeat(report("fra-1", "par")); err != nil {
		t.Fatalf("an expired node moving site: %v", err)
	}
	if v := nodeView(open, "fra", "fra-1"); v.Name != "" {
		t.Fatalf("the moved node is still listed in its old site: %+v", v)
	}
}

// Registrations survive a restart of the controller, and get a fresh
// grace from the start.
func TestRegistryPersists(t *testing.T) {
	db := registryDB(t)
	clock := testenv.NewClock(time.Unix(1_700_000_000, 0))
	r, _ := newRegistry(Registry{Grace: time.Minute}, seedSites(), db.Bucket("nodes"), clock.Now)
	r.heartbeat(report("ams-2", "ams"))
	r.heartbeat(report("ams-1", "ams"))
	clock.Advance(time.Hour) // the controller was down
	r2, err := newRegistry(Registry{Grace: time.Minute}, seedSites(), db.Bucket("nodes"), clock.Now)
	if err != nil {
		t.Fatal(err)
	}
	if got := planned(t, r2, "ams"); len(got) != 2 {
		t.Fatalf("after a restart: planned %v", got)
	}
	if v := nodeView(r2, "ams", "ams-1"); v.Source != SourceStatic || v.Weight != 2 {
		t.Fatalf("restored static node: %+v", v)
	}
	clock.Advance(61 * time.Second)
	if got := planned(t, r2, "ams"); got != nil {
		t.Fatalf("silent since the restart: planned %v", got)
	}
}

// A heartbeat that changes nothing but the time is written at most
// every quarter of the grace; a change is written at once.
func TestRegistryStoresChangesAndEveryQuarterGrace(t *testing.T) {
	db := registryDB(t)
	bucket := db.Bucket("nodes")
	stored := func() nodeRecord {
		var rec nodeRecord
		if err := bucket.Get("ams/ams-2", &rec); err != nil {
			t.Fatal(err)
		}
		return rec
	}
	clock := testenv.NewClock(time.Unix(1_700_000_000, 0))
	r, _ := newRegistry(Registry{Grace: time.Minute}, seedSites(), bucket, clock.Now)
	r.heartbeat(report("ams-2", "ams"))
	joined := clock.Now()
	clock.Advance(5 * time.Second)
	r.heartbeat(report("ams-2", "ams"))
	if got := stored().LastReport; !got.Equal(joined) {
		t.Fatalf("an unchanged heartbeat 5 s later was written (last report %v)", got)
	}
	rep := report("ams-2", "ams")
	rep.Version = "v2"
	r.heartbeat(rep)
	if got := stored(); got.Version != "v2" || !got.LastReport.Equal(clock.Now()) {
		t.Fatalf("a new version was not written: %+v", got)
	}
	clock.Advance(15 * time.Second)
	r.heartbeat(rep)
	if got := stored().LastReport; !got.Equal(clock.Now()) {
		t.Fatalf("a quarter of the grace later the record was not written (last report %v)", got)
	}
}

func TestRegistryForget(t *testing.T) {
	db := registryDB(t)
	clock := testenv.NewClock(time.Unix(1_700_000_000, 0))
	r, _ := newRegistry(Registry{Grace: time.Minute}, seedSites(), db.Bucket("nodes"), clock.Now)
	r.heartbeat(report("ams-2", "ams"))
	if err := r.forget("ams", "ams-1"); !errors.Is(err, errConflict) {
		t.Fatalf("forgetting a static node: %v, want errConflict", err)
	}
	if err := r.forget("ams", "ams-9"); !errors.Is(err, errNotFound) {
		t.Fatalf("forgetting an unknown node: %v, want errNotFound", err)
	}
	if err := r.forget("ams", "ams-2"); err != nil {
		t.Fatal(err)
	}
	if got := planned(t, r, "ams"); len(got) != 1 {
		t.Fatalf("after forgetting ams-2: planned %v", got)
	}
	r2, _ := newRegistry(Registry{Grace: time.Minute}, seedSites(), db.Bucket("nodes"), clock.Now)
	if v := nodeView(r2, "ams", "ams-2"); v.Name != "" {
		t.Fatalf("a forgotten node came back after a restart: %+v", v)
	}
}

// A node that moved site after expiring is stored in its new site only.
func TestRegistryMovePersists(t *testing.T) {
	db := registryDB(t)
	clock := testenv.NewClock(time.Unix(1_700_000_000, 0))
	cfg := Registry{Grace: time.Minute, AllowNewSites: true}
	r, _ := newRegistry(cfg, seedSites(), db.Bucket("nodes"), clock.Now)
	r.heartbeat(report("fra-1", "fra"))
	clock.Advance(2 * time.Minute)
	if _, err := r.heartbeat(report("fra-1", "par")); err != nil {
		t.Fatal(err)
	}
	r2, _ := newRegistry(cfg, seedSites(), db.Bucket("nodes"), clock.Now)
	if old, moved := nodeView(r2, "fra", "fra-1"), nodeView(r2, "par", "fra-1"); old.Name != "" || moved.Name == "" {
		t.Fatalf("after a restart: fra lists %+v, par %+v", old, moved)
	}
}

// registryDB is a fresh controller store for a registry, closed at the
// test's end.
func registryDB(t *testing.T) *kv.DB {
	t.Helper()
	db, err := kv.Open(filepath.Join(t.TempDir(), "db"), kv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
