package rawsock

import (
	"syscall"
	"testing"
)

func TestReadAndWritev(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	if n, errno := Writev(fds[0], [2][]byte{nil, nil}); n != 0 || errno != 0 {
		t.Fatalf("empty writev: %d, %v", n, errno)
	}
	if n, errno := Writev(fds[0], [2][]byte{[]byte("head "), []byte("body")}); n != 9 || errno != 0 {
		t.Fatalf("writev: %d, %v", n, errno)
	}
	if n, errno := Writev(fds[0], [2][]byte{nil, []byte("!")}); n != 1 || errno != 0 {
		t.Fatalf("writev of the second buffer only: %d, %v", n, errno)
	}
	buf := make([]byte, 64)
	if n, errno := Read(fds[1], buf); errno != 0 || string(buf[:n]) != "head body!" {
		t.Fatalf("read: %q, %v", buf[:max(n, 0)], errno)
	}
	if _, errno := Read(fds[1], buf); errno != syscall.EAGAIN {
		t.Fatalf("read of an empty socket: %v, want EAGAIN", errno)
	}
	if n, errno := Read(fds[1], nil); n != 0 || errno != 0 {
		t.Fatalf("empty read: %d, %v", n, errno)
	}
}
