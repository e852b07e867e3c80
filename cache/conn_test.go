package cache

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

func TestLazyDeadlineArmsOnlyWhenNeeded(t *testing.T) {
	now := time.Now()
	far, near := now.Add(time.Minute), now.Add(400*time.Millisecond)
	for _, tc := range []struct {
		name        string
		want, armed time.Time
		slack       time.Duration
		arm         bool
		at          time.Time // when arm: the deadline armed, within 1 ms
	}{
		{name: "none wanted, none armed"},
		{name: "none wanted, one armed", armed: far, slack: time.Second, arm: true},
		{name: "first deadline", want: far, arm: true, at: far.Add(time.Second)},
		{name: "armed within the slack", want: far, armed: far.Add(500 * time.Millisecond), slack: time.Second},
		{name: "armed at the wanted time", want: far, armed: far, slack: time.Second},
		{name: "armed too early", want: far, armed: far.Add(-time.Millisecond), slack: time.Second, arm: true, at: far.Add(time.Second)},
		{name: "armed far later (idle, then ReadTimeout)", want: near, armed: far, slack: time.Second, arm: true, at: near.Add(50 * time.Millisecond)},
		{name: "deadline passed", want: now.Add(-time.Second), armed: far, slack: time.Second, arm: true, at: now.Add(-time.Second)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			d := lazyDeadline{want: tc.want, armed: tc.armed, slack: tc.slack}
			at, arm := d.next()
			if arm != tc.arm {
				t.Fatalf("arm %v, want %v", arm, tc.arm)
			}
			if diff := at.Sub(tc.at); tc.arm && (at.IsZero() != tc.at.IsZero() || diff < -time.Millisecond || diff > time.Millisecond) {
				t.Fatalf("armed %v, want %v", at, tc.at)
			}
		})
	}
}

// TestIdleKeepAliveConnectionIsClosed: with deadlines given to the
// socket lazily, a keep-alive connection that goes quiet is still closed
// after IdleTimeout (plus at most an eighth of it).
func TestIdleKeepAliveConnectionIsClosed(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/idle.m4s", 1000)
	cfg := testConfig()
	cfg.IdleTimeout = 400 * time.Millisecond
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	c, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	br := bufio.NewReader(c)
	for i := range 3 { // a miss, then RAM hits on the same connection
		fmt.Fprintf(c, "GET /idle.m4s HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatalf("request %d: %v", i, err)
		}
		body, _ := io.ReadAll(resp.Body)
		if !bytes.Equal(body, testenv.PatternBytes(0, 1000)) {
			t.Fatalf("request %d: %d bytes, not the object", i, len(body))
		}
	}
	start := time.Now()
	_ = c.SetReadDeadline(start.Add(10 * time.Second))
	_, err = br.ReadByte()
	took := time.Since(start)
	if !errors.Is(err, io.EOF) {
		t.Fatalf("idle connection: %v after %v, want it closed by the edge", err, took)
	}
	if took < 300*time.Millisecond {
		t.Fatalf("closed after %v, before the idle timeout (400 ms)", took)
	}
	t.Logf("idle connection closed after %v (IdleTimeout 400 ms)", took.Round(time.Millisecond))
}

// TestPipelinedHitsKeepTheirOrder sends RAM hits, disk hits, a HEAD, a
// range and a bad target in one write: each response, its header held for
// the body on the connection, comes back whole and in order.
func TestPipelinedHitsKeepTheirOrder(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/p/small.m4s", 16<<10)
	o.PutPattern("/p/big.m4s", 700<<10)
	o.PutPattern("/p/empty.m4s", 0)
	ram, disk := ramAndDiskEdges(t, testConfig(), o)
	c := client(t)
	for _, tc := range []struct {
		name, tier string
		e          *edge
	}{{"RAM", "HIT-RAM", ram}, {"disk", "HIT-DISK", disk}} {
		t.Run(tc.name, func(t *testing.T) {
			for range 3 { // fetched, then stored (and verified once on disk)
				for _, p := range []string{"/p/small.m4s", "/p/big.m4s", "/p/empty.m4s"} {
					do(t, c, "GET", tc.e.url+p)
				}
				waitIdle(t, tc.e)
			}
			conn := dialAsk(t, tc.e, "HEAD /p/big.m4s HTTP/1.1\r\nHost: x\r\n\r\n")
			if resp, err := http.ReadResponse(bufio.NewReader(conn), &http.Request{Method: "HEAD"}); err != nil || resp.Header.Get("X-Cache") != tc.tier {
				t.Fatalf("a lone HEAD (nothing held for it): %v", err)
			}
			conn = dialAsk(t, tc.e, "")
			type ask struct {
				method, path, rng string
				status            int
				body              []byte
			}
			asks := []ask{
				{"GET", "/p/small.m4s", "", 200, testenv.PatternBytes(0, 16<<10)},
				{"GET", "/p/big.m4s", "", 200, testenv.PatternBytes(0, 700<<10)},
				{"HEAD", "/p/small.m4s", "", 200, nil},
				{"GET", "/p/big.m4s", "bytes=300000-300099", 206, testenv.PatternBytes(300000, 300100)},
				{"GET", "/p/small.m4s", "", 200, testenv.PatternBytes(0, 16<<10)},
				{"GET", "/p/small.m4s", "bytes=0-0", 206, testenv.PatternBytes(0, 1)},
				{"GET", "/p/empty.m4s", "", 200, []byte{}},
				{"GET", "/p/%zz", "", 400, nil}, // last: an error may close the connection
			}
			var batch bytes.Buffer
			for _, a := range asks {
				fmt.Fprintf(&batch, "%s %s HTTP/1.1\r\nHost: x\r\n", a.method, a.path)
				if a.rng != "" {
					fmt.Fprintf(&batch, "Range: %s\r\n", a.rng)
				}
				batch.WriteString("\r\n")
			}
			if _, err := conn.Write(batch.Bytes()); err != nil {
				t.Fatal(err)
			}
			br := bufio.NewReader(conn)
			for i, a := range asks {
				resp, err := http.ReadResponse(br, &http.Request{Method: a.method})
				if err != nil {
					t.Fatalf("response %d (%s %s): %v", i, a.method, a.path, err)
				}
				body, err := io.ReadAll(resp.Body)
				if a.status == 400 && bytes.HasPrefix(body, []byte("400 ")) {
					body = nil
				}
				if err != nil || resp.StatusCode != a.status || !bytes.Equal(body, a.body) {
					t.Fatalf("response %d (%s %s %s): %d, %d bytes, %v; want %d, %d bytes", i, a.method, a.path, a.rng, resp.StatusCode, len(body), err, a.status, len(a.body))
				}
				if a.status < 300 && resp.Header.Get("X-Cache") != tc.tier {
					t.Fatalf("response %d: X-Cache %q, want %s", i, resp.Header.Get("X-Cache"), tc.tier)
				}
			}
		})
	}
}

// dialAsk connects to e and writes req; the connection is closed at
// cleanup and has 20 s to answer.
func dialAsk(t *testing.T, e *edge, req string) net.Conn {
	t.Helper()
	conn, err := net.Dial("tcp", strings.TrimPrefix(e.url, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	_ = conn.SetDeadline(time.Now().Add(20 * time.Second))
	if _, err := io.WriteString(conn, req); err != nil {
		t.Fatal(err)
	}
	return conn
}
