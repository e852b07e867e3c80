package rawsock

import (
	"net"
	"os"
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

func TestSendSendfileAndCork(t *testing.T) {
	fds, err := syscall.Socketpair(syscall.AF_UNIX, syscall.SOCK_STREAM|syscall.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer syscall.Close(fds[0])
	defer syscall.Close(fds[1])
	if n, errno := Send(fds[0], []byte("head "), syscall.MSG_DONTWAIT); n != 5 || errno != 0 {
		t.Fatalf("send: %d, %v", n, errno)
	}
	name := t.TempDir() + "/f"
	if err := os.WriteFile(name, []byte("0123456789"), 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	off := int64(3)
	if n, errno := Sendfile(fds[0], int(f.Fd()), &off, 4); n != 4 || errno != 0 || off != 7 {
		t.Fatalf("sendfile: %d, %v, offset %d", n, errno, off)
	}
	if n, errno := Sendfile(fds[0], int(f.Fd()), &off, 100); n != 3 || errno != 0 {
		t.Fatalf("sendfile to the end: %d, %v", n, errno)
	}
	if n, errno := Sendfile(fds[0], int(f.Fd()), &off, 100); n != 0 || errno != 0 {
		t.Fatalf("sendfile past the end: %d, %v", n, errno)
	}
	buf := make([]byte, 64)
	if n, errno := Read(fds[1], buf); errno != 0 || string(buf[:n]) != "head 3456789" {
		t.Fatalf("read: %q, %v", buf[:max(n, 0)], errno)
	}
	if errno := SetCork(fds[0], true); errno != syscall.EOPNOTSUPP {
		t.Fatalf("cork on a unix socket: %v, want EOPNOTSUPP", errno)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rc, err := c.(*net.TCPConn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	_ = rc.Control(func(fd uintptr) {
		for _, on := range []bool{true, false} {
			if errno := SetCork(int(fd), on); errno != 0 {
				t.Fatalf("cork %v: %v", on, errno)
			}
			if v, err := syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK); err != nil || (v != 0) != on {
				t.Fatalf("TCP_CORK is %d, %v after setting it %v", v, err, on)
			}
		}
	})
}
