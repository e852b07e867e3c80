package evloop

import (
	"fmt"
	"net"
	"os"
	"syscall"
	"unsafe"

	"golang.org/x/sys/unix"
)

// The loop's socket calls are raw: they never block (non-blocking
// sockets, epoll_wait with a zero timeout), so the thread keeps its P.

// rawEpollWait is epoll_wait(2) with no timeout; 0 when nothing is
// ready or it failed (the blocking wait that follows reports errors).
func rawEpollWait(epfd int, events []unix.EpollEvent) int {
	n, _, errno := syscall.RawSyscall6(unix.SYS_EPOLL_PWAIT, uintptr(epfd), uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
	if errno != 0 {
		return 0
	}
	return int(n)
}

// dupSocket returns a non-blocking, close-on-exec duplicate of c's
// socket: the loop's own descriptor, outside Go's poller once c closes.
func dupSocket(c *net.TCPConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, derr := -1, error(nil)
	if err := raw.Control(func(s uintptr) { fd, derr = unix.FcntlInt(s, unix.F_DUPFD_CLOEXEC, 0) }); err != nil {
		return -1, err
	}
	if derr != nil {
		return -1, fmt.Errorf("evloop: dup: %w", derr)
	}
	if err := unix.SetNonblock(fd, true); err != nil {
		_ = unix.Close(fd)
		return -1, fmt.Errorf("evloop: non-blocking: %w", err)
	}
	return fd, nil
}

// fdConn makes a net.Conn of the loop's socket fd, in Go's poller,
// and closes fd (the net.Conn has its own duplicate).
func fdConn(fd int) (net.Conn, error) {
	f := os.NewFile(uintptr(fd), "evloop")
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("evloop: hand-off: %w", err)
	}
	return c, nil
}
