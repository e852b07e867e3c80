package cache

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// connPair returns an accepted connection wrapped as the server wraps
// it, and the client's end, dialled with a small receive window.
func connPair(t *testing.T) (*clientConn, *net.TCPConn) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := smallWindowDialer("127.0.0.1").Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	sc, err := clientListener{ln}.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sc.Close() })
	c, ok := sc.(*clientConn)
	if !ok {
		t.Fatalf("accepted %T, want *clientConn", sc)
	}
	return c, client.(*net.TCPConn)
}

// TestClientConnReadsRaw checks the connection's own read (raw read(2),
// waiting in Go's poller) against what net.TCPConn.Read promises: the
// bytes, nothing for an empty buffer, io.EOF at the peer's close, the
// read deadline as a timeout, a reset as a *net.OpError.
func TestClientConnReadsRaw(t *testing.T) {
	t.Run("bytes then EOF", func(t *testing.T) {
		c, client := connPair(t)
		if n, err := c.Read(nil); n != 0 || err != nil {
			t.Fatalf("empty read: %d, %v", n, err)
		}
		go func() {
			time.Sleep(50 * time.Millisecond) // the read waits first
			client.Write([]byte("GET / HTTP/1.1\r\n\r\n"))
			client.CloseWrite()
		}()
		got, err := io.ReadAll(c)
		if err != nil || string(got) != "GET / HTTP/1.1\r\n\r\n" {
			t.Fatalf("read %q, %v", got, err)
		}
	})
	t.Run("deadline", func(t *testing.T) {
		c, _ := connPair(t)
		start := time.Now()
		c.SetReadDeadline(start.Add(100 * time.Millisecond))
		n, err := c.Read(make([]byte, 10))
		var ne net.Error
		if n != 0 || !errors.Is(err, os.ErrDeadlineExceeded) || !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("read past the deadline: %d, %v", n, err)
		}
		if waited := time.Since(start); waited < 100*time.Millisecond {
			t.Fatalf("timed out after %v, before the deadline", waited)
		}
	})
	t.Run("reset", func(t *testing.T) {
		c, client := connPair(t)
		client.SetLinger(0)
		client.Close()
		_, err := c.Read(make([]byte, 10))
		var oe *net.OpError
		if !errors.Is(err, syscall.ECONNRESET) || !errors.As(err, &oe) || oe.Op != "read" {
			t.Fatalf("read after a reset: %v, want a read *net.OpError of ECONNRESET", err)
		}
	})
}

// TestClientConnWritesHeldRaw checks writeHeld (raw writev): header and
// a body many times the client's receive window arrive whole and in
// order, through partial writes and waits for the socket; a write to a
// reset connection fails as a *net.OpError, without killing the
// process (SIGPIPE).
func TestClientConnWritesHeldRaw(t *testing.T) {
	t.Run("partial writes", func(t *testing.T) {
		c, client := connPair(t)
		hdr := []byte("HTTP/1.1 200 OK\r\nContent-Length: 4194304\r\n\r\n")
		body := bytes.Repeat([]byte("0123456789abcdef"), 4<<20/16)
		for i := range body {
			body[i] ^= byte(i >> 12) // no two 4 KiB blocks alike
		}
		c.holdHeader()
		if n, err := c.Write(hdr); n != len(hdr) || err != nil {
			t.Fatalf("held header: %d, %v", n, err)
		}
		got := make(chan []byte, 1)
		go func() {
			b, _ := io.ReadAll(io.LimitReader(client, int64(len(hdr)+len(body))))
			got <- b
		}()
		n, err := c.memoryBody(body).WriteTo(nil)
		if n != int64(len(body)) || err != nil {
			t.Fatalf("wrote %d of %d body bytes: %v", n, len(body), err)
		}
		if b := <-got; !bytes.Equal(b, append(hdr, body...)) {
			t.Fatalf("client got %d bytes, not the header and body sent", len(b))
		}
	})
	t.Run("reset", func(t *testing.T) {
		c, client := connPair(t)
		client.SetLinger(0)
		client.Close()
		var err error // a write may be queued before the reset arrives
		testenv.Eventually(t, 5*time.Second, "a write to the reset connection to fail", func() bool {
			c.holdHeader()
			c.Write([]byte("HTTP/1.1 200 OK\r\n\r\n"))
			_, err = c.writeHeld(make([]byte, 64<<10))
			return err != nil
		})
		var oe *net.OpError
		if !(errors.Is(err, syscall.EPIPE) || errors.Is(err, syscall.ECONNRESET)) || !errors.As(err, &oe) || oe.Op != "write" {
			t.Fatalf("write after a reset: %v, want a write *net.OpError of EPIPE or ECONNRESET", err)
		}
	})
}
