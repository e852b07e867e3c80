package disktier

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Hold shares one descriptor between holders, reads at offsets never
// move a shared position, and with SizeCheck 0 a file cut since it was
// opened is evicted before anything could be sent from it.
func TestHoldSharesDescriptorsAndCatchesCutFiles(t *testing.T) {
	dir := t.TempDir()
	cfg := testCfg(dir)
	cfg.SizeCheck = 0
	s := openStore(t, cfg, Deps{})
	want := data(5000, 7)
	put(t, s, "/h", want)
	r := lookup(t, s, "/h")
	h1, err := s.Hold(r)
	if err != nil {
		t.Fatal(err)
	}
	h2, err := s.Hold(r)
	if err != nil {
		t.Fatal(err)
	}
	if h1.Fd() != h2.Fd() {
		t.Fatalf("two holds of one slice got descriptors %d and %d, want one shared", h1.Fd(), h2.Fd())
	}
	for _, off := range []int64{4000, 0, 123} {
		p := make([]byte, 100)
		if _, err := syscall.Pread(h1.Fd(), p, off); err != nil || !bytes.Equal(p, want[off:off+100]) {
			t.Fatalf("pread at %d: %v, wrong bytes", off, err)
		}
	}
	h1.Release()
	h2.Release()
	if err := os.Truncate(filepath.Join(dir, "data", r.File), 1000); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Hold(r); !errors.Is(err, ErrChecksum) {
		t.Fatalf("Hold of a cut file: %v, want ErrChecksum", err)
	}
	if _, ok := s.Lookup("/h", false); ok {
		t.Fatal("a cut file is still indexed")
	}
}

// Hold trusts an open file's length for SizeCheck: a cut within it is
// left to the send to find, one found after it is evicted before any
// byte goes out.
func TestHoldChecksLengthOncePerSizeCheck(t *testing.T) {
	dir := t.TempDir()
	cfg := testCfg(dir)
	cfg.SizeCheck = time.Hour
	s := openStore(t, cfg, Deps{})
	put(t, s, "/h", data(5000, 7))
	r := lookup(t, s, "/h")
	h, err := s.Hold(r) // opens the file, and checks it
	if err != nil {
		t.Fatal(err)
	}
	h.Release()
	if err := os.Truncate(filepath.Join(dir, "data", r.File), 1000); err != nil {
		t.Fatal(err)
	}
	if h, err = s.Hold(r); err != nil {
		t.Fatalf("Hold within SizeCheck of the open: %v, want the file trusted", err)
	}
	h.Release()
	// The last check an hour and a second ago: the next hit checks.
	fds := onlyDisk(s).fds
	fds.mu.Lock()
	fds.m[r.File].sized.Add(-int64(time.Hour + time.Second))
	fds.mu.Unlock()
	if _, err := s.Hold(r); !errors.Is(err, ErrChecksum) {
		t.Fatalf("Hold after SizeCheck of a cut file: %v, want ErrChecksum", err)
	}
	if _, ok := s.Lookup("/h", false); ok {
		t.Fatal("a cut file is still indexed")
	}
}
