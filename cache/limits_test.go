package cache

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/tlsreload"
	"github.com/vodedge/vodedge/origin"
)

// smallWindowDialer dials from src with a 16 KiB receive buffer, so a
// client that stops reading stalls the server's writes after a few MiB
// (loopback autotunes receive buffers to 32 MiB otherwise).
func smallWindowDialer(src string) *net.Dialer {
	return &net.Dialer{
		LocalAddr: &net.TCPAddr{IP: net.ParseIP(src)},
		Timeout:   5 * time.Second,
		Control: func(_, _ string, rc syscall.RawConn) error {
			var serr error
			err := rc.Control(func(fd uintptr) { serr = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 16<<10) })
			return errors.Join(err, serr)
		},
	}
}

// readPaced sends a GET on a fresh connection and reads the body at about
// rate bytes/s (rate 0: reads the headers, then nothing for stall, then
// whatever is left). It returns the body bytes and the read's error.
func readPaced(t *testing.T, url string, rate int64, stall time.Duration) ([]byte, error) {
	t.Helper()
	hostPort, path, _ := strings.Cut(strings.TrimPrefix(url, "http://"), "/")
	c, err := smallWindowDialer("127.0.0.1").Dial("tcp", hostPort)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	path = "/" + path
	fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: x\r\n\r\n", path)
	c.SetReadDeadline(time.Now().Add(60 * time.Second))
	br := bufio.NewReaderSize(c, 16<<10)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if rate == 0 {
		time.Sleep(stall)
		return io.ReadAll(resp.Body)
	}
	var out []byte
	buf := make([]byte, 32<<10)
	start := time.Now()
	for {
		n, err := resp.Body.Read(buf)
		out = append(out, buf[:n]...)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if ahead := time.Duration(float64(len(out))/float64(rate)*float64(time.Second)) - time.Since(start); ahead > 0 {
			time.Sleep(ahead)
		}
	}
}

// TestSlowClientsKeepGoingStalledOnesAreCut: with a write timeout of
// 1 s and a minimum client rate of 1 MiB/s, a 12 MiB body read at
// 6 MiB/s (2 s, twice the write timeout) arrives whole from every tier —
// a RAM hit written in one piece, a disk hit sent with sendfile, a miss
// streamed as it arrives — and a client that stops reading for 20 s is
// cut off within the body's deadline (1 s + 12 MiB at 1 MiB/s = 13 s).
// The margins (11 s for the reader, 7 s for the staller) are wide because
// a loaded machine delays the test's reader: at a load average of 24 a
// reader pacing itself at 10 MiB/s took 3.2 s for 12 MiB instead of 1.2.
func TestSlowClientsKeepGoingStalledOnesAreCut(t *testing.T) {
	const size = 12 << 20
	o := testenv.NewOrigin(t)
	cfg := testConfig()
	cfg.SliceBytes, cfg.RAMBytes = 16<<20, 128<<20
	cfg.WriteTimeout, cfg.MinClientRate = time.Second, 1<<20
	ram, disk := ramAndDiskEdges(t, cfg, o)
	c := client(t)
	for i, tc := range []struct {
		name, tier string
		e          *edge
	}{
		{"RAM hit", "HIT-RAM", ram},
		{"disk hit", "HIT-DISK", disk},
		{"miss", "MISS", ram},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			path := fmt.Sprintf("/slow/%d.mp4", i)
			o.PutPattern(path, size)
			if tc.tier != "MISS" {
				for range 3 { // fetched, then stored (and verified once on disk)
					do(t, c, "GET", tc.e.url+path)
					waitIdle(t, tc.e)
				}
				if r := do(t, c, "HEAD", tc.e.url+path); r.header.Get("X-Cache") != tc.tier {
					t.Fatalf("warm-up left the object in %s", r.header.Get("X-Cache"))
				}
			}
			start := time.Now()
			got, err := readPaced(t, tc.e.url+path, 6<<20, 0)
			took := time.Since(start)
			if err != nil || !bytes.Equal(got, testenv.PatternBytes(0, size)) {
				t.Fatalf("slow client cut off after %v: %d of %d bytes, %v", took, len(got), size, err)
			}
			t.Logf("slow client (6 MiB/s) got all 12 MiB in %v; write timeout 1 s", took.Round(time.Millisecond))

			got, err = readPaced(t, tc.e.url+path, 0, 20*time.Second)
			if len(got) >= size || err == nil {
				t.Fatalf("a client that stopped reading for 20 s still got %d of %d bytes (err %v)", len(got), size, err)
			}
		})
	}
}

func TestHeaderSizeLimit(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/a.m4s", 1000)
	cfg := testConfig()
	cfg.MaxHeaderBytes = 4 << 10
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	for _, tc := range []struct {
		name   string
		header string
		want   int
	}{
		{"within", "X-Pad: " + strings.Repeat("a", 2000), 200},
		{"one huge field", "X-Pad: " + strings.Repeat("a", 8000), 431},
		{"many fields", strings.Repeat("X-Pad: aaaaaaaaaaaaaaaaaaaaaaaa\r\n", 300) + "X-End: 1", 431},
	} {
		c, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		c.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(c, "GET /a.m4s HTTP/1.1\r\nHost: x\r\n%s\r\n\r\n", tc.header)
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		c.Close()
		if err != nil || resp.StatusCode != tc.want {
			t.Errorf("%s: %v %v, want %d", tc.name, resp, err, tc.want)
		}
	}
	if n := o.Requests(""); n != 1 {
		t.Errorf("%d origin requests, want 1 (refused requests never reach it)", n)
	}
}

// TestConnectionLimitsCoverPlainAndTLS: the per-client cap counts a
// client's connections over both public listeners; refusals are counted.
func TestConnectionLimitsCoverPlainAndTLS(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/a.m4s", 1000)
	cfg := testConfig()
	cfg.MaxConnsPerClient, cfg.MaxConns = 2, 3
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := tlsreload.WriteSelfSigned(certFile, keyFile, "edge", []string{"127.0.0.1"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	rl, err := tlsreload.New(tlsreload.Config{CertFile: certFile, KeyFile: keyFile}, tlsreload.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.ServeTLS(ln, rl.TLSConfig())

	get := func(conn net.Conn) int {
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		fmt.Fprintf(conn, "GET /a.m4s HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			return 0
		}
		io.Copy(io.Discard, resp.Body)
		return resp.StatusCode
	}
	plain := func(src string) net.Conn {
		c, err := smallWindowDialer(src).Dial("tcp", strings.TrimPrefix(e.url, "http://"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	c1 := plain("127.0.0.1")
	tc, err := tls.DialWithDialer(smallWindowDialer("127.0.0.1"), "tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	defer tc.Close()
	if get(c1) != 200 || get(tc) != 200 {
		t.Fatal("connections within the limits refused")
	}
	if code := get(plain("127.0.0.1")); code != 429 {
		t.Fatalf("third connection of one client over plain and TLS: %d, want 429", code)
	}
	if code := get(plain("127.0.0.2")); code != 200 {
		t.Fatalf("another client: %d", code)
	}
	if code := get(plain("127.0.0.3")); code != 503 {
		t.Fatalf("fourth connection with MaxConns 3: %d, want 503", code)
	}
	for reason, want := range map[string]float64{"per_client": 1, "max": 1} {
		if got := testenv.Metric(t, e.reg, "vodedge_connections_rejected_total", "reason", reason); got != want {
			t.Errorf("rejections %s: %v, want %v", reason, got, want)
		}
	}
}

// TestPerClientCapKeepsSendfile: a disk hit of 16 MiB through an edge with
// a per-client cap goes out in a few sendfile calls, not 4 KiB writes
// (fasthttp's MaxConnsPerIP would turn it into 4096 writes; see
// internal/connlimit).
func TestPerClientCapKeepsSendfile(t *testing.T) {
	if _, err := os.Stat("/proc/self/io"); err != nil {
		t.Skip("needs /proc/self/io")
	}
	const size = 16 << 20
	o := testenv.NewOrigin(t)
	o.PutPattern("/big.mp4", size)
	cfg := testConfig()
	cfg.SliceBytes, cfg.RAMBytes, cfg.MaxConnsPerClient = 16<<20, 0, 4
	e := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, t.TempDir(), disktier.Deps{}))
	c := client(t)
	for range 2 { // stored, then read once through the verifying reader
		do(t, c, "GET", e.url+"/big.mp4")
		waitIdle(t, e)
	}
	before := procIO(t, "syscw")
	r := do(t, c, "GET", e.url+"/big.mp4")
	writes := procIO(t, "syscw") - before
	if r.header.Get("X-Cache") != "HIT-DISK" || !bytes.Equal(r.body, testenv.PatternBytes(0, size)) {
		t.Fatalf("%s, %d bytes", r.header.Get("X-Cache"), len(r.body))
	}
	t.Logf("a 16 MiB disk hit behind the per-client cap took %d write system calls", writes)
	if writes > 512 {
		t.Fatalf("%d write calls for a 16 MiB disk hit: not sendfile", writes)
	}
}

func procIO(t *testing.T, field string) int64 {
	b, err := os.ReadFile("/proc/self/io")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, field+": "); ok {
			n, _ := strconv.ParseInt(v, 10, 64)
			return n
		}
	}
	t.Fatalf("no %s in /proc/self/io", field)
	return 0
}

// TestSlowHeaderIsCutWith408: a client that trickles a header is cut
// after ReadTimeout with 408 (not 400: nothing it sent was malformed).
func TestSlowHeaderIsCutWith408(t *testing.T) {
	cfg := testConfig()
	cfg.ReadTimeout = 300 * time.Millisecond
	e := startEdge(t, cfg, httpOrigin(t, testenv.NewOrigin(t), origin.HTTPOptions{}))
	c, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	start := time.Now()
	io.WriteString(c, "GET /a.m4s HTTP/1.1\r\nHost: x\r\n")
	c.SetDeadline(time.Now().Add(5 * time.Second))
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 408 || string(body) != "408 request timeout\n" {
		t.Fatalf("%d %q after %v", resp.StatusCode, body, time.Since(start))
	}
}
