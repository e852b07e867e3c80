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
	needCachestat(t)
	f, err := os.Create(filepath.Join(t.TempDir(), "data"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	size := int64(1<<20 + 100)
	if _, err := f.Write(testenv.PatternBytes(0, size)); err != nil {
		t.Fatal(err)
	}
	fd := int(f.Fd())
	if !pageCached(fd, 0, size) {
		t.Fatal("a file just written is not in the page cache")
	}
	if !dropPages(t, f) {
		t.Skip("this file system keeps the file's pages: nothing to drop")
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

// needCachestat skips the test on a kernel without cachestat(2), where
// pageCached is always false.
func needCachestat(t *testing.T) {
	t.Helper()
	var st unix.Cachestat_t
	if err := unix.Cachestat(uint(os.Stdin.Fd()), &unix.CachestatRange{}, &st, 0); errors.Is(err, unix.ENOSYS) {
		t.Skip("no cachestat(2) on this kernel: pageCached is always false")
	}
}

// dropPages writes f back and drops it from the page cache (fsync,
// POSIX_FADV_DONTNEED); it reports whether none of its pages are left
// there (cachestat(2) itself, not pageCached).
func dropPages(t *testing.T, f *os.File) bool {
	t.Helper()
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fadvise(int(f.Fd()), 0, 0, unix.FADV_DONTNEED); err != nil {
		t.Fatal(err)
	}
	var st unix.Cachestat_t
	err := unix.Cachestat(uint(f.Fd()), &unix.CachestatRange{}, &st, 0)
	return err == nil && st.Cache == 0
}
