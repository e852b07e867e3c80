package cache

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestPageCachedFollowsTheFile checks pageCached on a real file: out of
// the page cache after fsync and POSIX_FADV_DONTNEED, in it once read,
// and never for a range it cannot judge.
func TestPageCachedFollowsTheFile(t *testing.T) {
	var st unix.Cachestat_t
	f, err := os.Create(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{}, &st, 0); errors.Is(err, unix.ENOSYS) {
		t.Skip("no cachestat(2) on this kernel: pageCached is always false")
	}
	size := int64(1<<20 + 100)
	if _, err := f.Write(testenv.PatternBytes(0, size)); err != nil {
		t.Fatal(err)
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	fd := int(f.Fd())
	if !pageCached(fd, 0, size) {
		t.Fatal("a file just written is not in the page cache")
	}
	if err := unix.Fadvise(fd, 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	if err := unix.Cachestat(uint(fd), &unix.CachestatRange{}, &st, 0); err != nil || st.Cache > 0 {
		t.Skipf("this file system keeps the file's pages (%d cached, %v): nothing to drop", st.Cache, err)
	}
	if pageCached(fd, 0, size) || pageCached(fd, 5000, 10) {
		t.Fatal("dropped from the page cache, the file is still reported in it")
	}
	p := make([]byte, 10)
	if _, err := f.ReadAt(p, 5000); err != nil { // brings at least that page back
		t.Fatal(err)
	}
	if !pageCached(fd, 5000, 10) {
		t.Fatal("bytes just read are not reported in the page cache")
	}
	if pageCached(fd, 0, 0) || pageCached(fd, -1, 10) || pageCached(-1, 0, 10) {
		t.Fatal("an empty range, a negative offset or a bad descriptor is reported in the page cache")
	}
}
