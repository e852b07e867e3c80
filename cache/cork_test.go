package cache

import (
	"bytes"
	"io"
	"net"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
)

// TestHeldBodyUncorksAfterManyChunks sends a disk body of many
// sendfile calls on a real loopback connection whose buffers are small
// and whose reader starts late, so that the send waits on a full socket
// and resumes: the socket is corked while the body goes out, the body
// arrives whole after its header, and the socket is left uncorked (a
// cork left on would hold the next response's tail for 200 ms). Both
// ways of sending: in raw calls (for bytes in the page cache) and in
// calls through the scheduler.
func TestHeldBodyUncorksAfterManyChunks(t *testing.T) {
	for _, raw := range []bool{true, false} {
		t.Run(map[bool]string{true: "raw", false: "scheduled"}[raw], func(t *testing.T) {
			testHeldBodyUncorks(t, raw)
		})
	}
}

func testHeldBodyUncorks(t *testing.T, raw bool) {
	size := int64(16*sendfileChunk + 123)
	want := testenv.PatternBytes(0, size)
	held := heldSlice(t, "/cork", want)
	cc, client := tcpPair(t)
	_ = cc.tcp.SetWriteBuffer(16 << 10)
	_ = client.(*net.TCPConn).SetReadBuffer(16 << 10)
	cork := func() int {
		v := -1
		_ = cc.raw.Control(func(fd uintptr) { v, _ = syscall.GetsockoptInt(int(fd), syscall.IPPROTO_TCP, syscall.TCP_CORK) })
		return v
	}

	got := make(chan []byte, 1)
	corked := make(chan bool, 1)
	go func() {
		// The send cannot end before this reads: wait for it to cork.
		deadline := time.Now().Add(10 * time.Second)
		for cork() != 1 && time.Now().Before(deadline) {
			time.Sleep(time.Millisecond)
		}
		corked <- cork() == 1
		b, _ := io.ReadAll(io.LimitReader(client, int64(len("HDR\r\n"))+size))
		got <- b
	}()
	b := cc.diskBody(held, 0, size, raw)
	if _, err := cc.Write([]byte("HDR\r\n")); err != nil { // the header, held
		t.Fatal(err)
	}
	if n, err := b.WriteTo(nil); err != nil || n != size {
		t.Fatalf("WriteTo: %d bytes, %v; want %d", n, err, size)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if !<-corked {
		t.Error("the socket was not corked while the body went out")
	}
	if body := <-got; !bytes.Equal(body, append([]byte("HDR\r\n"), want...)) {
		t.Fatalf("received %d bytes, not the header then the body", len(body))
	}
	if v := cork(); v != 0 {
		t.Fatalf("TCP_CORK %d after the body, want 0", v)
	}
}

// heldSlice stores data as a slice of a disk tier and holds its file
// (the body made of it releases it).
func heldSlice(t *testing.T, key string, data []byte) disktier.Held {
	t.Helper()
	size := int64(len(data))
	s := diskOpener(t, t.TempDir(), disktier.Deps{})(prometheus.NewRegistry())
	w, err := s.Create(disktier.Record{Key: key, Length: size, ObjSize: size})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Commit(); err != nil {
		t.Fatal(err)
	}
	r, ok := s.Lookup(key, false)
	if !ok {
		t.Fatal("the committed slice is not found")
	}
	held, err := s.Hold(r)
	if err != nil {
		t.Fatal(err)
	}
	return held
}

// tcpPair returns the server side of a loopback TCP connection as the
// edge wraps it, and the client side.
func tcpPair(t *testing.T) (*clientConn, net.Conn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	srv, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	cc := wrapConn(srv).(*clientConn)
	t.Cleanup(func() { cc.Close() })
	return cc, client
}
