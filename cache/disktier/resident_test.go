package disktier

import (
	"testing"
	"time"
)

// LookupResident finds only what the record cache holds, counting an
// access only when it finds it; HoldOpen holds only a file open already
// and within its size check; a deleted slice is found by neither.
func TestResidentPathNeverReadsTheIndexOrOpensAFile(t *testing.T) {
	cfg := testCfg(t.TempDir())
	cfg.SizeCheck = time.Hour
	s := openStore(t, cfg, Deps{})
	put(t, s, "/r", data(5000, 3))
	if _, ok := s.LookupResident("/r"); ok {
		t.Fatal("found a record the record cache does not hold")
	}
	if got := s.Hits("/r"); got != 0 {
		t.Fatalf("a resident miss counted %d hits, want 0", got)
	}
	r := hot(t, s, "/r")
	if got, ok := s.LookupResident("/r"); !ok || got != r {
		t.Fatalf("resident lookup of a cached record: %v, %v", got, ok)
	}
	if got := s.Hits("/r"); got != recAdmitHits+1 {
		t.Fatalf("hits after a resident hit: %d, want %d", got, recAdmitHits+1)
	}
	if _, ok := s.HoldOpen(r); ok {
		t.Fatal("HoldOpen held a file no one had opened")
	}
	h, err := s.Hold(r)
	if err != nil {
		t.Fatal(err)
	}
	h.Release()
	h2, ok := s.HoldOpen(r)
	if !ok || h2.Fd() <= 0 {
		t.Fatalf("HoldOpen of an open file: %v", ok)
	}
	h2.Release()
	fds := onlyDisk(s).fds
	fds.mu.Lock()
	fds.m[r.File].sized.Add(-int64(time.Hour + time.Second))
	fds.mu.Unlock()
	if _, ok := s.HoldOpen(r); ok {
		t.Fatal("HoldOpen held a file whose size check is due")
	}
	if !s.Delete("/r") {
		t.Fatal("Delete found nothing")
	}
	if _, ok := s.LookupResident("/r"); ok {
		t.Fatal("found a deleted slice")
	}
}

// A sampled NeedsVerifySticky stays sampled until a read verifies the
// slice.
func TestNeedsVerifyStickyKeepsASampledYes(t *testing.T) {
	cfg := testCfg(t.TempDir())
	cfg.VerifySample = 0
	s := openStore(t, cfg, Deps{})
	put(t, s, "/v", data(5000, 3))
	d := onlyDisk(s)
	d.markVerified("/v")
	if s.NeedsVerifySticky("/v") {
		t.Fatal("a verified slice sampled with VerifySample 0")
	}
	d.cfg.VerifySample = 1
	if !s.NeedsVerifySticky("/v") {
		t.Fatal("not sampled with VerifySample 1")
	}
	d.cfg.VerifySample = 0
	if !s.NeedsVerify("/v") {
		t.Fatal("the sampled yes was not kept for the next read")
	}
}
