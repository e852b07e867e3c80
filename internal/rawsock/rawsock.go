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

// Send is send(2) of p with flags (MSG_MORE, say); 0 and no error for
// an empty p.
func Send(fd int, p []byte, flags int) (int, syscall.Errno) {
	if len(p) == 0 {
		return 0, 0
	}
	n, _, errno := syscall.RawSyscall6(syscall.SYS_SENDTO, uintptr(fd), uintptr(unsafe.Pointer(&p[0])), uintptr(len(p)), uintptr(flags), 0, 0)
	return int(n), errno
}

// Sendfile is sendfile(2) of up to n bytes of the file in from *off on
// (advanced by what was sent) to the socket fd. The calling thread keeps
// its P for the whole call: it is for bytes already in the page cache,
// which it moves without waiting for a disk; a call that waits would
// hold the P as long.
func Sendfile(fd, in int, off *int64, n int) (int, syscall.Errno) {
	k, _, errno := syscall.RawSyscall6(syscall.SYS_SENDFILE, uintptr(fd), uintptr(in), uintptr(unsafe.Pointer(off)), uintptr(n), 0, 0)
	if errno != 0 {
		return 0, errno
	}
	return int(k), 0
}

// SetCork sets or clears TCP_CORK on the socket fd; clearing it sends
// what it held.
func SetCork(fd int, on bool) syscall.Errno {
	var v int32
	if on {
		v = 1
	}
	_, _, errno := syscall.RawSyscall6(syscall.SYS_SETSOCKOPT, uintptr(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK, uintptr(unsafe.Pointer(&v)), unsafe.Sizeof(v), 0)
	return errno
}
