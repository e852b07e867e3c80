package disktier

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Hold shares one descriptor between holders, reads at offsets never
// move a shared position, and a file cut since it was opened is evicted
// before anything could be sent from it.
func TestHoldSharesDescriptorsAndCatchesCutFiles(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, testCfg(dir), Deps{})
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
