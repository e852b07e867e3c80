package cache

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
)

// TestHeldBodyUncorksAfterManyChunks sends a disk body of several
// sendfile calls on a real loopback connection: it arrives whole after
// its header, and the socket is left uncorked (a cork left on would hold
// the next response's tail for 200 ms).
func TestHeldBodyUncorksAfterManyChunks(t *testing.T) {
	size := int64(3*sendfileChunk + 123)
	want := testenv.PatternBytes(0, size)
	s := diskOpener(t, t.TempDir(), disktier.Deps{})(prometheus.NewRegistry())
	w, err := s.Create(disktier.Record{Key: "/cork", Length: size, ObjSize: size})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(want); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	r, ok := s.Lookup("/cork", false)
	if !ok {
		t.Fatal("the committed slice is not found")
	}
	held, err := s.Hold(r)
	if err != nil {
		t.Fatal(err)
	}

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	cc := wrapConn(srv).(*clientConn)
	defer cc.Close()

	got := make(chan []byte, 1)
	go func() {
		b, _ := io.ReadAll(io.LimitReader(client, int64(len("HDR\r\n"))+size))
		got <- b
	}()
	b := cc.diskBody(held, 0, size)
	if _, err := cc.Write([]byte("HDR\r\n")); err != nil { // the header, held
		t.Fatal(err)
	}
	if n, err := b.WriteTo(nil); err != nil || n != size {
		t.Fatalf("WriteTo: %d bytes, %v; want %d", n, err, size)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if body := <-got; !bytes.Equal(body, append([]byte("HDR\r\n"), want...)) {
		t.Fatalf("received %d bytes, not the header then the body", len(body))
	}
	var cork int
	if err := cc.raw.Control(func(fd uintptr) {
		cork, err = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK)
	}); err != nil || cork != 0 {
		t.Fatalf("TCP_CORK %d after the body (%v), want 0", cork, err)
	}
}
