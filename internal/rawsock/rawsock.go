// Package rawsock makes the socket calls of the edge's hit path as raw
// syscalls: read(2) and writev(2) on non-blocking sockets, which return
// at once (EAGAIN when they would wait), so the calling thread keeps
// its P through them instead of entering and leaving Go's scheduler
// (cache/rawsys.go says what that entry costs; cache/evloop's loops
// rely on it).
//
// Imports: the standard library only.
package rawsock

import (
	"syscall"
	"unsafe"
)

// Read is read(2) into p; 0 and no error for an empty p.
func Read(fd int, p []byte) (int, syscall.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	n, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)))
	return int(n), errno
}

// Writev is writev(2) of the non-empty buffers of bufs, made again when
// interrupted; 0 and no error when both are empty.
func Writev(fd int, bufs [2][]byte) (int, syscall.Errno) {
	var iov [2]syscall.Iovec
	k := 0
	for _, b := range bufs {
		if len(b) > 0 {
			iov[k].Base = &b[0]
			iov[k].SetLen(len(b))
			k++
		}
	}
	if k == 0 {
		return 0, 0
	}
	for {
		n, _, errno := syscall.RawSyscall(syscall.SYS_WRITEV, uintptr(fd), uintptr(unsafe.Pointer(&iov[0])), uintptr(k))
		if errno != syscall.EINTR {
			return int(n), errno
		}
	}
}
