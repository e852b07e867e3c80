package disktier

import (
	"bytes"
	"slices"
	"sync"
	"testing"
)

// sizesFS records the sizes of the data files' writes.
type sizesFS struct {
	OSFS
	mu    sync.Mutex
	sizes []int
}

type sizesFile struct {
	WriteFile
	fs *sizesFS
}

func (f sizesFile) Write(p []byte) (int, error) {
	f.fs.mu.Lock()
	f.fs.sizes = append(f.fs.sizes, len(p))
	f.fs.mu.Unlock()
	return f.WriteFile.Write(p)
}

func (f *sizesFS) CreateTemp() (WriteFile, error) {
	w, err := f.OSFS.CreateTemp()
	if err != nil {
		return nil, err
	}
	return sizesFile{w, f}, nil
}

// A slice offered in pieces of any size reaches its data file in
// WriteBatch writes, the last one shorter; a piece of whole batches, or
// the slice's last bytes, is written as it is, without gathering.
func TestWriterWritesInBatches(t *testing.T) {
	const size = 5 * WriteBatch / 2
	for _, c := range []struct {
		name  string
		piece int
		want  []int
	}{
		{"32 KiB pieces", 32 << 10, []int{WriteBatch, WriteBatch, WriteBatch / 2}},
		{"uneven pieces", 700_000, []int{WriteBatch, WriteBatch, WriteBatch / 2}},
		{"whole batches, then the rest", 2 * WriteBatch, []int{2 * WriteBatch, WriteBatch / 2}},
		{"one piece", size, []int{size}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			fsys := &sizesFS{OSFS: OSFS{Root: dir}}
			s := openStore(t, testCfg(dir), Deps{FS: fsys})
			b := data(size, 9)
			w, err := s.Create(Record{Key: "/b", Length: size, ObjSize: size})
			if err != nil {
				t.Fatal(err)
			}
			for off := 0; off < size; off += c.piece {
				if _, err := w.Write(b[off:min(off+c.piece, size)]); err != nil {
					t.Fatal(err)
				}
			}
			if w.pend != nil {
				t.Fatal("the gathering buffer is held after the last bytes were written")
			}
			if err := w.Commit(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(fsys.sizes, c.want) {
				t.Fatalf("writes of %v bytes, want %v", fsys.sizes, c.want)
			}
			got, err := readVerified(s, "/b")
			if err != nil || !bytes.Equal(got, b) {
				t.Fatalf("read back %d bytes, %v; want the bytes written", len(got), err)
			}
		})
	}
}

// After a failed write a writer only fails, and Commit publishes
// nothing, even when every byte had been offered.
func TestWriterFailsAfterAFailedWrite(t *testing.T) {
	dir := t.TempDir()
	fsys := &failingFS{OSFS: OSFS{Root: dir}}
	s := openStore(t, testCfg(dir), Deps{FS: fsys})
	b := data(WriteBatch+100, 3)
	w, err := s.Create(Record{Key: "/f", Length: int64(len(b)), ObjSize: int64(len(b))})
	if err != nil {
		t.Fatal(err)
	}
	fsys.failWrites.Store(true)
	if _, err := w.Write(b[:WriteBatch]); err == nil {
		t.Fatal("the injected write error was not returned")
	}
	fsys.failWrites.Store(false)
	if _, err := w.Write(b[WriteBatch:]); err == nil {
		t.Fatal("a write after a failed one succeeded")
	}
	if err := w.Commit(); err == nil {
		t.Fatal("committed a slice whose write failed")
	}
	if _, ok := s.Lookup("/f", false); ok {
		t.Fatal("a slice whose write failed is visible")
	}
}
