package disktier

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

// TestBulkLoadIsServedLikeCommittedSlices loads records with and without
// data files, then opens the tier on them: every key is found, a slice
// with a file reads back verified (zeros), one without is dropped when
// opened, and the tier's accounting counts them all.
func TestBulkLoadIsServedLikeCommittedSlices(t *testing.T) {
	dir := t.TempDir()
	key := func(i int) string { return fmt.Sprintf("/bulk/%04d.m4s", i) }
	spec := BulkSpec{Objects: 100, Files: 10, Length: 10 << 10, Key: key, ChunkBytes: 4 << 10}
	if err := BulkLoad(dir, spec); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, testCfg(dir), Deps{})
	if v := s.Disks()[0]; v.Objects != 100 || v.Bytes != 100*blocks(10<<10) {
		t.Fatalf("tier counts %d objects, %d bytes; want 100, %d", v.Objects, v.Bytes, 100*blocks(10<<10))
	}
	for i := range spec.Objects {
		if _, ok := s.Lookup(key(i), false); !ok {
			t.Fatalf("%s not found", key(i))
		}
	}
	b, err := readVerified(s, key(3))
	if err != nil || !bytes.Equal(b, make([]byte, 10<<10)) {
		t.Fatalf("slice with a file: %d bytes, %v; want 10 KiB of zeros", len(b), err)
	}
	r, _ := s.Lookup(key(50), false)
	if _, err := s.Open(r); !errors.Is(err, ErrNotFound) {
		t.Fatalf("slice without a file: Open = %v, want ErrNotFound", err)
	}
	if _, ok := s.Lookup(key(50), false); ok {
		t.Error("a record without a file is still found after Open dropped it")
	}
}
