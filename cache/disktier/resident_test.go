package disktier

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// LookupResident finds only what the record cache holds, counting no
// access (Touch does); HoldOpen holds only a file open already,
// and checks its size when that is due; an evicted slice is not found.
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
	if got := s.Hits("/r"); got != recAdmitHits {
		t.Fatalf("hits after a resident lookup: %d, want %d (not counted)", got, recAdmitHits)
	}
	s.Touch(r)
	if got := s.Hits("/r"); got != recAdmitHits+1 {
		t.Fatalf("hits after Touch: %d, want %d", got, recAdmitHits+1)
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
	// The open file remembers when a holder found it in the page cache.
	if h2.CachedWithin(time.Hour) {
		t.Fatal("a file no one checked is taken as cached")
	}
	h2.MarkCached()
	h2.Release()
	if h3, _ := s.HoldOpen(r); !h3.CachedWithin(time.Hour) || h3.CachedWithin(0) {
		t.Fatal("MarkCached not remembered by the next holder, or remembered for no time")
	} else {
		h3.Release()
	}
	// A size check due: made here; a cut file is not held, and Hold
	// then evicts it.
	fds := onlyDisk(s).fds
	age := func() {
		fds.mu.Lock()
		fds.m[r.File].sized.Add(-int64(time.Hour + time.Second))
		fds.mu.Unlock()
	}
	age()
	if h, ok := s.HoldOpen(r); !ok {
		t.Fatal("HoldOpen refused a whole file whose size check was due")
	} else {
		h.Release()
	}
	if err := os.Truncate(filepath.Join(cfg.Dir, "data", r.File), 1000); err != nil {
		t.Fatal(err)
	}
	if h, ok := s.HoldOpen(r); !ok {
		t.Fatal("HoldOpen checked a size within SizeCheck of the last check")
	} else {
		h.Release()
	}
	age()
	if _, ok := s.HoldOpen(r); ok {
		t.Fatal("HoldOpen held a cut file whose size check was due")
	}
	if _, err := s.Hold(r); !errors.Is(err, ErrChecksum) {
		t.Fatalf("Hold of the cut file: %v, want ErrChecksum", err)
	}
	if _, ok := s.LookupResident("/r"); ok {
		t.Fatal("found an evicted slice")
	}
}

// A sample kept by KeepSample is kept for the next NeedsVerify of that
// key, once; the verified flag is left alone.
func TestKeepSampleKeepsASampledYesOnce(t *testing.T) {
	cfg := testCfg(t.TempDir())
	cfg.VerifySample = 0
	s := openStore(t, cfg, Deps{})
	put(t, s, "/v", data(5000, 3))
	put(t, s, "/w", data(5000, 4))
	d := onlyDisk(s)
	d.markVerified("/v")
	d.markVerified("/w")
	if s.NeedsVerify("/v") {
		t.Fatal("a verified slice sampled with VerifySample 0")
	}
	s.KeepSample("/v")
	if s.NeedsVerify("/w") {
		t.Fatal("another key inherited the sample")
	}
	if !s.NeedsVerify("/v") {
		t.Fatal("the sampled yes was not kept for the next read")
	}
	if s.NeedsVerify("/v") {
		t.Fatal("the sampled yes was kept twice, or the verified flag was lost")
	}
	for i := range maxVerifyPending + 10 {
		s.KeepSample(fmt.Sprint(i))
	}
	if n := d.pending.n.Load(); n != maxVerifyPending {
		t.Fatalf("%d samples kept, want at most %d", n, maxVerifyPending)
	}
}

// Held.Verify checks a slice's bytes against its checksums, chunk by
// chunk, and only a match marks the slice verified.
func TestHeldVerifyChecksEveryChunk(t *testing.T) {
	cfg := testCfg(t.TempDir())
	cfg.VerifySample = 0
	s := reopen(t, cfg)
	want := data(3*cfg.ChunkBytes+100, 7) // four chunks, the last short
	put(t, s, "/v", want)
	s.Close()
	s = reopen(t, cfg) // not verified since start-up
	defer s.Close()
	r, ok := s.Lookup("/v", false)
	if !ok {
		t.Fatal("the slice put is not found")
	}
	d := onlyDisk(s)
	h, err := d.Hold(r)
	if err != nil {
		t.Fatal(err)
	}
	defer h.Release()
	if !s.NeedsVerify("/v") {
		t.Fatal("a slice not read since start-up is not due for verification")
	}
	for _, c := range []struct {
		name string
		b    []byte
	}{
		{"a rotted byte in the last chunk", flipped(want, len(want)-1)},
		{"a rotted byte in the first chunk", flipped(want, 0)},
		{"a short read", want[:len(want)-1]},
	} {
		if h.Verify(c.b) {
			t.Fatalf("%s verified", c.name)
		}
		if !s.NeedsVerify("/v") {
			t.Fatalf("%s marked the slice verified", c.name)
		}
	}
	if !h.Verify(want) {
		t.Fatal("the slice's own bytes did not verify")
	}
	if s.NeedsVerify("/v") {
		t.Fatal("verified bytes did not mark the slice verified")
	}
}

func flipped(b []byte, i int) []byte {
	c := append([]byte(nil), b...)
	c[i] ^= 1
	return c
}
