package cache

import (
	"syscall"
	"unsafe"
)

// The socket calls of a hit, made without telling Go's scheduler: the
// request's read and the response's writev (internal/rawsock, shared
// with cache/evloop), its sendmsg, the cork, and the sendfile of a body
// in the page cache (rawSendfile). Each is on a non-blocking socket and returns at
// once (EAGAIN when it would wait, which RawConn then waits for in Go's
// poller), so the thread keeps its P through it, as an event loop keeps
// its CPU. Made through the scheduler, every such call costs the
// entersyscall/exitsyscall pair and, whenever every P had gone idle
// (the edge waiting for its clients), wakes sysmon from its deep sleep
// with a futex and resets it to polling every 20 µs; on the 2-core
// loopback machine that was three nanosleeps and almost a futex call
// per 2 MiB disk hit, on the one CPU the edge was pinned to
// (cache/doc.go, "Disk hits", step 10). Anything that may wait for a
// disk stays on the scheduler's side. The longest of these calls is a
// large RAM hit's writev, which copies what the socket buffer takes
// (at most tcp_wmem's maximum, 4 MiB by default) and returns: a garbage
// collector's stop of the world waits for it, as for rawSendfile.

// errnoErr is e as an error: nil for 0.
func errnoErr(e syscall.Errno) error {
	if e == 0 {
		return nil
	}
	return e
}

// rawSend is send(2) of p with flags.
func rawSend(fd int, p []byte, flags int) (int, syscall.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	n, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(flags), 0, 0)
	return int(n), errno
}

// rawSetsockoptInt is setsockopt(2) of an int option.
func rawSetsockoptInt(fd, level, opt, v int) syscall.Errno {
	v32 := int32(v)
	_, _, errno := syscall.RawSyscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), uintptr(level), uintptr(opt), uintptr(unsafe.Pointer(&v32)), unsafe.Sizeof(v32), 0)
	return errno
}

// rawSendfile is sendfile(2) made without telling Go's scheduler: the
// calling thread keeps its P for the whole call, as an event loop keeps
// its CPU. It is for bytes already in the page cache, which the call
// moves without waiting for a disk; a call that waits would hold the P
// for as long (see heldBody.raw).
func rawSendfile(sock, fd int, off *int64, n int) (int, error) {
	k, _, errno := syscall.RawSyscall6(syscall.SYS_SENDFILE, uintptr(sock), uintptr(fd), uintptr(unsafe.Pointer(off)), uintptr(n), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(k), nil
}
