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

// cachestatWorks reports whether pageCached can tell: false once
// cachestat was found missing or forbidden.
func cachestatWorks() bool { return !noCachestat.Load() }

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

// noNowait is set once preadv2(2) with RWF_NOWAIT is found unsupported
// (ENOSYS, EOPNOTSUPP, or EINVAL for the flag): readsNowait then says
// so, and the event loop's small disk hits take the cachestat path.
var noNowait atomic.Bool

func readsNowait() bool { return !noNowait.Load() }

// readCached fills p from fd at off with preadv2(RWF_NOWAIT), which
// copies only what is in the page cache and fails (EAGAIN) rather than
// wait for a disk. It reports whether p was filled whole; a short read
// (bytes partly cached, or a file cut) is false. The call is raw: it
// copies from memory and never waits.
func readCached(fd int, p []byte, off int64) bool {
	if len(p) == 0 {
		return true
	}
	iov := syscall.Iovec{Base: &p[0]}
	iov.SetLen(len(p))
	n, _, errno := syscall.RawSyscall6(unix.SYS_PREADV2, uintptr(fd), uintptr(unsafe.Pointer(&iov)), 1, uintptr(off), 0, unix.RWF_NOWAIT)
	switch errno {
	case 0:
		return int(n) == len(p)
	case unix.ENOSYS, unix.EOPNOTSUPP, unix.EINVAL:
		noNowait.Store(true)
	}
	return false
}
