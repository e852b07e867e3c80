package connlimit

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/valyala/fasthttp"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, testenv.FasthttpGoroutines()...) }

// serveFast runs a fasthttp server with the limiter on a loopback port.
func serveFast(t *testing.T, l *Limiter, srv *fasthttp.Server) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv.ConnState = l.FastHTTPConnState
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(l.Listener(ln, true)) }()
	t.Cleanup(func() { srv.Shutdown(); <-done })
	return ln.Addr().String()
}

// dialFrom connects to addr from the loopback address src (any of
// 127.0.0.0/8 works on Linux), so a test has many client addresses.
func dialFrom(t *testing.T, src, addr string) net.Conn {
	t.Helper()
	d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)}, Timeout: 5 * time.Second}
	c, err := d.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// roundTrip sends a GET on c and returns the status.
func roundTrip(t *testing.T, c net.Conn) int {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := io.WriteString(c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		return 0
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp.StatusCode
}

// refusal reads what a refused connection got: its status and body.
func refusal(t *testing.T, c net.Conn) (int, string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("refused connection: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

func waitOpen(t *testing.T, l *Limiter, want int) {
	t.Helper()
	testenv.EventuallyErr(t, 10*time.Second, "the open connections count", func() error {
		if n := l.Open(); n != want {
			return fmt.Errorf("%d connections counted open, want %d", n, want)
		}
		return nil
	})
}

func TestLimitsAreEnforcedAndReleased(t *testing.T) {
	reg := prometheus.NewRegistry()
	l, err := New(Config{Max: 5, PerClient: 3}, reg)
	if err != nil {
		t.Fatal(err)
	}
	addr := serveFast(t, l, &fasthttp.Server{Handler: func(ctx *fasthttp.RequestCtx) { ctx.WriteString("ok") }, IdleTimeout: 3 * time.Second}) // long enough for the checks below, short enough for the last wait

	var held []net.Conn
	for range 3 {
		c := dialFrom(t, "127.0.0.1", addr)
		if code := roundTrip(t, c); code != 200 {
			t.Fatalf("connection within the limits: %d", code)
		}
		held = append(held, c)
	}
	if code, body := refusal(t, dialFrom(t, "127.0.0.1", addr)); code != 429 || body != "429 too many connections from your address\n" {
		t.Fatalf("4th connection from one address: %d %q", code, body)
	}
	for range 2 {
		c := dialFrom(t, "127.0.0.2", addr)
		if code := roundTrip(t, c); code != 200 {
			t.Fatalf("other client: %d", code)
		}
		held = append(held, c)
	}
	if code, body := refusal(t, dialFrom(t, "127.0.0.3", addr)); code != 503 || body != "503 too many connections\n" {
		t.Fatalf("connection over the listener's limit: %d %q", code, body)
	}
	if got := l.Client(netip.MustParseAddr("127.0.0.1")); got != 3 {
		t.Fatalf("127.0.0.1 holds %d connections, want 3", got)
	}

	// A client that closes frees its slot; the server closing idle ones too.
	held[0].Close()
	waitOpen(t, l, 4)
	c := dialFrom(t, "127.0.0.1", addr)
	if code := roundTrip(t, c); code != 200 {
		t.Fatalf("after a close: %d", code)
	}
	waitOpen(t, l, 0) // IdleTimeout closes them all
	if n := len(l.mu.byClient); n != 0 {
		t.Fatalf("%d clients left in the table after every connection closed", n)
	}
	if got := testutil.ToFloat64(l.m.rejected.WithLabelValues("per_client")); got != 1 {
		t.Fatalf("per_client rejections %v", got)
	}
	if got := testutil.ToFloat64(l.m.rejected.WithLabelValues("max")); got != 1 {
		t.Fatalf("max rejections %v", got)
	}
}

func TestNetHTTPReleases(t *testing.T) {
	l, _ := New(Config{PerClient: 1}, nil)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }), ConnState: l.HTTPConnState}
	done := make(chan struct{})
	go func() { defer close(done); srv.Serve(l.Listener(ln, true)) }()
	defer func() { srv.Close(); <-done }()
	c := dialFrom(t, "127.0.0.1", ln.Addr().String())
	if code := roundTrip(t, c); code != 200 {
		t.Fatal(code)
	}
	if code, _ := refusal(t, dialFrom(t, "127.0.0.1", ln.Addr().String())); code != 429 {
		t.Fatalf("second connection: %d", code)
	}
	c.Close()
	waitOpen(t, l, 0)
}

func TestClientKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7":                "192.0.2.7",
		"::ffff:192.0.2.7":         "192.0.2.7",
		"2001:db8:1:2:aaaa::1":     "2001:db8:1:2::",
		"2001:db8:1:2:ffff:ffff::": "2001:db8:1:2::",
	} {
		if got := clientKey(netip.MustParseAddr(in)); got.String() != want {
			t.Errorf("clientKey(%s) = %s, want %s", in, got, want)
		}
	}
}

// TestPerIPCapKeepsSendfile serves a 16 MiB file body through fasthttp
// behind the limiter and counts the process's write system calls
// (/proc/self/io syscw): with sendfile a handful of calls moves the file;
// 4 KiB writes would take 4096. fasthttp's own MaxConnsPerIP is measured
// beside it, for the record (the trap the package doc describes).
func TestPerIPCapKeepsSendfile(t *testing.T) {
	if _, err := os.Stat("/proc/self/io"); err != nil {
		t.Skip("needs /proc/self/io")
	}
	const size = 16 << 20
	path := filepath.Join(t.TempDir(), "f")
	os.WriteFile(path, bytes.Repeat([]byte("0123456789abcdef"), size/16), 0o644)
	handler := func(ctx *fasthttp.RequestCtx) {
		f, err := os.Open(path)
		if err != nil {
			ctx.Error(err.Error(), 500)
			return
		}
		ctx.SetBodyStream(f, size)
	}
	measure := func(addr string) int64 {
		c := dialFrom(t, "127.0.0.1", addr)
		before := syscw(t)
		if code := roundTrip(t, c); code != 200 {
			t.Fatalf("status %d", code)
		}
		return syscw(t) - before
	}
	l, _ := New(Config{PerClient: 8, Max: 100}, nil)
	ours := measure(serveFast(t, l, &fasthttp.Server{Handler: handler}))
	plain, _ := New(Config{}, nil)
	theirsSrv := &fasthttp.Server{Handler: handler, MaxConnsPerIP: 8}
	theirs := measure(serveFast(t, plain, theirsSrv))
	t.Logf("write system calls for a 16 MiB file body: %d behind connlimit, %d with fasthttp's MaxConnsPerIP", ours, theirs)
	if ours > 512 {
		t.Fatalf("%d write calls for 16 MiB behind the per-IP cap: sendfile is not in use", ours)
	}
}

func syscw(t *testing.T) int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "syscw: "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatal("no syscw in /proc/self/io")
	return 0
}
