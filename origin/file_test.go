package origin

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// newFileOrigin creates a directory holding files (name → content) inside
// a parent that also holds secret.txt, which must never be served.
func newFileOrigin(t *testing.T, files map[string][]byte) (*File, string) {
	t.Helper()
	parent := t.TempDir()
	if err := os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(parent, "root")
	for name, data := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	o, err := NewFile(dir)
	if err != nil {
		t.Fatalf("NewFile: %v", err)
	}
	t.Cleanup(func() { o.Close() })
	return o, dir
}

func TestFileRanges(t *testing.T) {
	data := content(1000)
	o, _ := newFileOrigin(t, map[string][]byte{"title/seg 1.m4s": data, "empty.bin": nil})
	t.Run("ranges", func(t *testing.T) { testRanges(t, o, "/title/seg 1.m4s", data) })
	t.Run("empty", func(t *testing.T) { testEmpty(t, o, "/empty.bin") })
}

func TestFileMeta(t *testing.T) {
	o, dir := newFileOrigin(t, map[string][]byte{"a.m4s": content(300)})
	mtime := time.Date(2024, 5, 6, 7, 8, 9, 123456789, time.UTC)
	if err := os.Chtimes(filepath.Join(dir, "a.m4s"), mtime, mtime); err != nil {
		t.Fatal(err)
	}
	obj, _, err := fetchAll(o, Request{Key: "/a.m4s", Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	want := Meta{Size: 300, ETag: fmt.Sprintf(`"%x-12c"`, mtime.UnixNano())}
	if obj.Size != want.Size || obj.ETag != want.ETag || !obj.LastModified.Equal(mtime) || obj.ContentType != "" {
		t.Errorf("Meta = %+v, want %+v with LastModified %v", obj.Meta, want, mtime)
	}
}

func TestFileRefuses(t *testing.T) {
	o, dir := newFileOrigin(t, map[string][]byte{"sub/a.m4s": []byte("inside"), "plain": []byte("x")})
	parent := filepath.Dir(dir)
	mustSymlink(t, filepath.Join(parent, "secret.txt"), filepath.Join(dir, "link-out"))
	mustSymlink(t, parent, filepath.Join(dir, "dirlink-out"))
	mustSymlink(t, "../secret.txt", filepath.Join(dir, "rel-out"))
	mustSymlink(t, "sub/a.m4s", filepath.Join(dir, "link-in"))
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		key  string
		want error
	}{
		{"/../secret.txt", ErrBadKey},
		{"/sub/../../secret.txt", ErrBadKey},
		{"/link-out", ErrBadKey},
		{"/dirlink-out/secret.txt", ErrBadKey},
		{"/rel-out", ErrBadKey},
		{"/sub", ErrNotFound},
		{"/fifo", ErrNotFound},
		{"/missing.m4s", ErrNotFound},
		{"/plain/x", ErrNotFound},
		{"/sub/", ErrBadKey},
		{"/sub/a.m4s\x00", ErrBadKey},
		{"relative", ErrBadKey},
	}
	for _, tc := range tests {
		t.Run(tc.key, func(t *testing.T) {
			done := make(chan error, 1)
			go func() { _, _, err := fetchAll(o, Request{Key: tc.key, Length: -1}); done <- err }()
			select {
			case err := <-done:
				wantErr(t, err, tc.want)
				if strings.Contains(err.Error(), "secret") && !strings.Contains(tc.key, "secret") {
					t.Errorf("error mentions the outside file: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Fatal("Fetch blocked") // the goroutine leaks; goleak will say so too
			}
		})
	}
	t.Run("symlink inside", func(t *testing.T) {
		if _, got, err := fetchAll(o, Request{Key: "/link-in", Length: -1}); err != nil || string(got) != "inside" {
			t.Errorf("Fetch(/link-in) = %q, %v; want %q", got, err, "inside")
		}
	})
}

func mustSymlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// TestFileTruncated checks a file cut short while it is read yields an
// error, on both the Read and the WriteTo (sendfile) paths.
func TestFileTruncated(t *testing.T) {
	for _, via := range []string{"Read", "WriteTo"} {
		t.Run(via, func(t *testing.T) {
			o, dir := newFileOrigin(t, map[string][]byte{"a": content(10000)})
			obj, err := o.Fetch(context.Background(), Request{Key: "/a", Offset: 100, Length: 5000})
			if err != nil {
				t.Fatal(err)
			}
			defer obj.Body.Close()
			if err := os.Truncate(filepath.Join(dir, "a"), 1000); err != nil {
				t.Fatal(err)
			}
			var n int64
			if via == "Read" {
				n, err = io.Copy(io.Discard, struct{ io.Reader }{obj.Body})
			} else {
				n, err = copyToFile(t, obj.Body)
			}
			if n != 900 {
				t.Errorf("copied %d bytes, want 900", n)
			}
			wantErr(t, err, ErrBadResponse, io.ErrUnexpectedEOF)
		})
	}
}

// TestFileWriteTo checks the kernel-copy path returns exactly the range.
func TestFileWriteTo(t *testing.T) {
	data := content(100000)
	o, _ := newFileOrigin(t, map[string][]byte{"a": data})
	obj, err := o.Fetch(context.Background(), Request{Key: "/a", Offset: 1234, Length: 50000})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	f, err := os.CreateTemp(t.TempDir(), "copy")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if n, err := io.Copy(f, obj.Body); err != nil || n != 50000 {
		t.Fatalf("io.Copy = %d, %v", n, err)
	}
	got, _ := os.ReadFile(f.Name())
	if !bytes.Equal(got, data[1234:51234]) {
		t.Error("copied bytes differ from the range")
	}
}

func copyToFile(t *testing.T, r io.Reader) (int64, error) {
	f, err := os.CreateTemp(t.TempDir(), "copy")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return io.Copy(f, r)
}

func TestFileClosed(t *testing.T) {
	o, _ := newFileOrigin(t, map[string][]byte{"a": []byte("x")})
	o.Close()
	_, err := o.Fetch(context.Background(), Request{Key: "/a", Length: -1})
	wantErr(t, err, ErrUnreachable)
}

func TestNewFileMissingDir(t *testing.T) {
	if _, err := NewFile(filepath.Join(t.TempDir(), "nope")); err == nil {
		t.Fatal("NewFile of a missing directory succeeded")
	}
}
