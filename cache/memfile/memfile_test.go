package memfile

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func data(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(i*13 + i>>10)
	}
	return b
}

func TestOpenReadsSealedCopy(t *testing.T) {
	want := data(3<<20 + 7)
	before := Live()
	m, err := New("t", want)
	if err != nil {
		t.Fatal(err)
	}
	if Live()-before != int64(len(want)) {
		t.Fatalf("live bytes not counted")
	}
	want[0] ^= 0xff // the memfile holds its own copy
	f, err := m.Open(1000)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	want[0] ^= 0xff
	if !bytes.Equal(got, want[1000:]) {
		t.Fatal("bytes differ")
	}
	if _, err := f.Write([]byte("x")); err == nil {
		t.Fatal("read-only descriptor accepted a write")
	}
	f.Close()
	m.Release()
	if Live() != before {
		t.Fatal("released bytes still counted")
	}
	if _, err := m.Open(0); !errors.Is(err, ErrReleased) {
		t.Fatalf("open after release: %v", err)
	}
}

func TestSealsForbidChanges(t *testing.T) {
	m, err := New("t", data(10))
	if err != nil {
		t.Fatal(err)
	}
	defer m.Release()
	rw, err := os.OpenFile("/proc/self/fd/"+itoa(m.f.Fd()), os.O_RDWR, 0)
	if err == nil {
		defer rw.Close()
		if _, err := rw.WriteAt([]byte("zz"), 0); err == nil {
			t.Fatal("sealed memfd accepted a write")
		}
		if err := rw.Truncate(2); err == nil {
			t.Fatal("sealed memfd accepted a truncate")
		}
	}
}

func itoa(fd uintptr) string { return string(appendInt(nil, int(fd))) }

func appendInt(b []byte, n int) []byte {
	if n >= 10 {
		b = appendInt(b, n/10)
	}
	return append(b, byte('0'+n%10))
}

// An open descriptor survives the owner's release: a response in flight
// is never cut by eviction.
func TestOpenOutlivesRelease(t *testing.T) {
	want := data(1 << 20)
	m, _ := New("t", want)
	f, err := m.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	m.Release()
	got, _ := io.ReadAll(f)
	f.Close()
	if !bytes.Equal(got, want) {
		t.Fatal("data lost after release")
	}
}

// Sent with sendfile through a real socket, concurrently.
func TestSendfileToSocket(t *testing.T) {
	want := data(2 << 20)
	m, _ := New("t", want)
	defer m.Release()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			c, err := net.Dial("tcp", ln.Addr().String())
			if err != nil {
				t.Error(err)
				return
			}
			got, _ := io.ReadAll(c)
			c.Close()
			if !bytes.Equal(got, want[500:]) {
				t.Error("socket received wrong bytes")
			}
		})
		s, err := ln.Accept()
		if err != nil {
			t.Fatal(err)
		}
		f, err := m.Open(500)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.(*net.TCPConn).ReadFrom(&io.LimitedReader{R: f, N: int64(len(want) - 500)}); err != nil {
			t.Fatal(err)
		}
		f.Close()
		s.Close()
	}
	wg.Wait()
}

func BenchmarkOpen(b *testing.B) {
	m, _ := New("b", data(2<<20))
	defer m.Release()
	for b.Loop() {
		f, err := m.Open(4096)
		if err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// A hold keeps the memfd's descriptor valid after the owner lets go; the
// last release closes it, and no hold is granted after that.
func TestHoldOutlivesTheOwner(t *testing.T) {
	want := data(300 << 10)
	before := Live()
	m, err := New("t", want)
	if err != nil {
		t.Fatal(err)
	}
	fd, ok := m.Hold()
	if !ok {
		t.Fatal("no hold on a live memfile")
	}
	m.Release() // the owner's reference
	if Live()-before != int64(len(want)) {
		t.Fatal("held bytes not counted after the owner's release")
	}
	got := make([]byte, 1000)
	if n, err := syscall.Pread(fd, got, 5000); n != len(got) || err != nil || !bytes.Equal(got, want[5000:6000]) {
		t.Fatalf("pread through the hold: %d, %v", n, err)
	}
	m.Release() // the hold's
	if Live() != before {
		t.Fatal("bytes still counted after the last release")
	}
	if _, ok := m.Hold(); ok {
		t.Fatal("hold granted on a released memfile")
	}
}

// TestNewStopsAtTheDescriptorShare: New refuses a memfd beyond its share
// of the descriptor limit, with ErrTooMany, and takes one again once a
// file is released.
func TestNewStopsAtTheDescriptorShare(t *testing.T) {
	old := maxFiles
	t.Cleanup(func() { maxFiles = old })
	limit := files.Load() + 2
	maxFiles = func() int64 { return limit }
	a, err1 := New("a", []byte("a"))
	b, err2 := New("b", []byte("b"))
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	defer b.Release()
	if _, err := New("c", []byte("c")); !errors.Is(err, ErrTooMany) {
		t.Fatalf("a memfd past the share: %v, want ErrTooMany", err)
	}
	a.Release()
	c, err := New("c", []byte("c"))
	if err != nil {
		t.Fatalf("after a release: %v", err)
	}
	c.Release()
	if got := files.Load(); got != limit-1 {
		t.Fatalf("%d memfds counted, want %d", got, limit-1)
	}
}

// TestNewTakesAnyName: a name with a NUL byte (a slice key after the
// first has one) or longer than memfd_create takes still makes a file.
func TestNewTakesAnyName(t *testing.T) {
	for _, name := range []string{"/v/seg.m4s\x001", strings.Repeat("n", 400)} {
		m, err := New(name, []byte("abc"))
		if err != nil {
			t.Fatalf("%q: %v", name[:20], err)
		}
		m.Release()
	}
}
