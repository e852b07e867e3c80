package cache

import (
	"errors"
	"os"
	"sync/atomic"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// noCachestat is set once cachestat(2) is found missing (Linux before
// 6.5) or forbidden (a seccomp filter that answers EPERM): pageCached
// then answers false without trying.
var noCachestat atomic.Bool

// pageCached reports whether bytes [off, off+n) of the file fd are all
// in the page cache, by cachestat(2): one syscall that walks the range's
// page-cache entries, no I/O. False when it cannot tell (an older
// kernel, a file system without a page cache).
func pageCached(fd int, off, n int64) bool {
	if n <= 0 || off < 0 || noCachestat.Load() {
		return false
	}
	var st unix.Cachestat_t
	rng := unix.CachestatRange{Off: uint64(off), Len: uint64(n)}
	// Raw, as the hit's socket calls are (rawsys.go): it walks the
	// page cache's entries for the range and never waits for I/O.
	_, _, errno := syscall.RawSyscall6(unix.SYS_CACHESTAT, uintptr(fd), uintptr(unsafe.Pointer(&rng)), uintptr(unsafe.Pointer(&st)), 0, 0, 0)
	if err := errnoErr(errno); err != nil {
		if errors.Is(err, unix.ENOSYS) || errors.Is(err, unix.EPERM) {
			noCachestat.Store(true)
		}
		return false
	}
	page := int64(os.Getpagesize())
	return int64(st.Cache) >= (off+n-1)/page-off/page+1
}
