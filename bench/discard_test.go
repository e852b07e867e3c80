package bench

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// discardServer is a real HTTP server on loopback: /big is 2 MiB and
// /small 16 KiB of a pattern, /missing is 404, /hint sends 103 Early
// Hints first, /close closes the connection after answering, /slow
// answers after a second, /chunked has no Content-Length.
func discardServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 2<<20/16)
	var conns atomic.Int64
	mux := http.NewServeMux()
	body := func(b []byte) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", strconv.Itoa(len(b)))
			w.Write(b)
		}
	}
	mux.Handle("/big", body(big))
	mux.Handle("/small", body(big[:16<<10]))
	mux.HandleFunc("/missing", http.NotFound)
	mux.HandleFunc("/hint", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Link", "</small>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		body(big[:100])(w, r)
	})
	mux.HandleFunc("/close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		body(big[:1000])(w, r)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(time.Second)
		body(big[:10])(w, r)
	})
	mux.HandleFunc("/chunked", func(w http.ResponseWriter, r *http.Request) {
		w.Write(big[:10])
		w.(http.Flusher).Flush()
		w.Write(big[:10])
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

func runDiscard(t *testing.T, url string, paths []string, conns int, d, timeout time.Duration) WrkResult {
	t.Helper()
	r, err := RunDiscard(context.Background(), DiscardConfig{URL: url, Paths: paths, Connections: conns, Duration: d, Timeout: timeout})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// Every response is read whole, body and all: a body not dropped to the
// byte would make the next response unreadable (a read error).
func TestDiscardClientReadsEveryResponse(t *testing.T) {
	srv, _ := discardServer(t)
	r := runDiscard(t, srv.URL, []string{"/big", "/small", "/missing", "/hint"}, 4, 700*time.Millisecond, 0)
	if r.Socket.Total() != 0 || r.FirstError != "" {
		t.Fatalf("socket errors %+v (%s)", r.Socket, r.FirstError)
	}
	if r.Requests < 8 {
		t.Fatalf("%d requests in %v", r.Requests, r.Elapsed)
	}
	// Each connection walks the four paths in order: a quarter are 404s.
	if q := r.Requests / 4; r.Non2xx < q-4 || r.Non2xx > q+4 {
		t.Errorf("%d non-2xx of %d responses, want about a quarter", r.Non2xx, r.Requests)
	}
	per := r.BytesRead / float64(r.Requests)
	if want := float64(2<<20+16<<10+100) / 4; per < want*0.9 || per > want*1.2 {
		t.Errorf("%.0f bytes a response, want about %.0f (the bodies and headers)", per, want)
	}
	if r.LatencyP50 <= 0 || r.LatencyP99 < r.LatencyP50 || r.RequestsPerSec <= 0 {
		t.Errorf("latency p50 %v p99 %v, %.0f requests/s", r.LatencyP50, r.LatencyP99, r.RequestsPerSec)
	}
}

// A server that closes after a response gets a new connection, without
// an error counted.
func TestDiscardClientFollowsConnectionClose(t *testing.T) {
	srv, conns := discardServer(t)
	r := runDiscard(t, srv.URL, []string{"/close"}, 2, 300*time.Millisecond, 0)
	if r.Socket.Total() != 0 || r.Requests < 4 {
		t.Fatalf("%d requests, socket errors %+v (%s)", r.Requests, r.Socket, r.FirstError)
	}
	if n := conns.Load(); n < r.Requests {
		t.Errorf("%d connections for %d responses that each closed theirs", n, r.Requests)
	}
}

// A response slower than the timeout is a timeout error, and what the
// client cannot read (no Content-Length) is a read error naming why.
func TestDiscardClientCountsErrors(t *testing.T) {
	srv, _ := discardServer(t)
	r := runDiscard(t, srv.URL, []string{"/slow"}, 1, 100*time.Millisecond, 200*time.Millisecond)
	if r.Socket.Timeout == 0 || r.Requests != 0 {
		t.Errorf("slow: %d requests, socket errors %+v", r.Requests, r.Socket)
	}
	r = runDiscard(t, srv.URL, []string{"/chunked"}, 1, 100*time.Millisecond, 0)
	if r.Socket.Read == 0 || r.Requests != 0 || !strings.Contains(r.FirstError, "/chunked") || !strings.Contains(r.FirstError, "Transfer-Encoding") {
		t.Errorf("chunked: %d requests, socket errors %+v, first error %q", r.Requests, r.Socket, r.FirstError)
	}
	if err := r.Check(0); err == nil || !strings.Contains(err.Error(), "Transfer-Encoding") {
		t.Errorf("Check: %v, want the first error named", err)
	}
	r = runDiscard(t, "http://127.0.0.1:1", []string{"/x"}, 1, 50*time.Millisecond, 0)
	if r.Socket.Connect == 0 {
		t.Errorf("nothing listening: socket errors %+v", r.Socket)
	}
}

func TestDiscardConfigErrorsNameTheProblem(t *testing.T) {
	for _, c := range []struct {
		cfg  DiscardConfig
		want string
	}{
		{DiscardConfig{URL: "https://127.0.0.1:1", Paths: []string{"/a"}, Connections: 1, Duration: time.Second}, "plain HTTP"},
		{DiscardConfig{URL: "http://127.0.0.1:1/base", Paths: []string{"/a"}, Connections: 1, Duration: time.Second}, "no path"},
		{DiscardConfig{URL: "http://127.0.0.1:1", Connections: 1, Duration: time.Second}, "no paths"},
		{DiscardConfig{URL: "http://127.0.0.1:1", Paths: []string{"a"}, Connections: 1, Duration: time.Second}, `path "a"`},
		{DiscardConfig{URL: "http://127.0.0.1:1", Paths: []string{"/a b"}, Connections: 1, Duration: time.Second}, "without spaces"},
		{DiscardConfig{URL: "http://127.0.0.1:1", Paths: []string{"/a"}, Duration: time.Second}, "connections"},
		{DiscardConfig{URL: "http://127.0.0.1:1", Paths: []string{"/a"}, Connections: 1}, "duration"},
	} {
		if _, err := RunDiscard(context.Background(), c.cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error saying %q", c.cfg, err, c.want)
		}
	}
}

func TestLatencyHistQuantiles(t *testing.T) {
	var h latencyHist
	if h.quantile(0.99) != 0 {
		t.Fatal("an empty histogram has a quantile")
	}
	for i := 1; i <= 1000; i++ {
		h.add(time.Duration(i) * time.Microsecond)
	}
	for _, c := range []struct {
		q    float64
		want time.Duration
	}{{0.5, 500 * time.Microsecond}, {0.9, 900 * time.Microsecond}, {0.99, 990 * time.Microsecond}} {
		got := h.quantile(c.q)
		if got < c.want || float64(got) > float64(c.want)*1.07 {
			t.Errorf("q%.2f = %v, want %v to within the bucket (+7 %%)", c.q, got, c.want)
		}
	}
	for _, d := range []time.Duration{1, 15, 16, 17, 1000, time.Hour} {
		if b := histBucket(d); histUpper(b) < d || b > 0 && histUpper(b-1) >= d {
			t.Errorf("%v: bucket %d holds up to %v", d, b, histUpper(b))
		}
	}
}

func TestParseRespHeader(t *testing.T) {
	for _, c := range []struct {
		in   string
		want respHeader
		err  string
	}{
		{"HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\n", respHeader{status: 200, length: 12}, ""},
		{"HTTP/1.1 404 Not Found\r\ncontent-length:0\r\nConnection: close\r\n\r\n", respHeader{status: 404, close: true}, ""},
		{"HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\n", respHeader{status: 200, length: 1, close: true}, ""},
		{"HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\n", respHeader{status: 200, length: 1}, ""},
		{"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n", respHeader{status: 103}, ""},
		{"HTTP/1.1 304 Not Modified\r\n\r\n", respHeader{status: 304}, ""},
		{"HTTP/1.1 304 Not Modified\r\nContent-Length: 500\r\n\r\n", respHeader{status: 304}, ""}, // the length of the body it would have had
		{"HTTP/1.1 200 OK\r\n\r\n", respHeader{}, "without Content-Length"},
		{"HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", respHeader{}, "bad Content-Length"},
		{"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", respHeader{}, "Transfer-Encoding"},
		{"ICY 200 OK\r\n\r\n", respHeader{}, "status line"},
		{"HTTP/1.1 2x0 OK\r\n\r\n", respHeader{}, "status line"},
	} {
		h, err := parseRespHeader([]byte(c.in))
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%q: %v, want an error saying %q", c.in, err, c.err)
			}
			continue
		}
		c.want.size = len(c.in)
		if err != nil || h != c.want {
			t.Errorf("%q: %+v, %v; want %+v", c.in, h, err, c.want)
		}
	}
}

func FuzzParseRespHeader(f *testing.F) {
	f.Add([]byte("HTTP/1.1 200 OK\r\nContent-Length: 12\r\nConnection: close\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"))
	f.Add([]byte("HTTP/1.0 204\r\nX: y\r\n\r\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, err := parseRespHeader(b)
		if err == nil && (h.status < 100 || h.status > 999 || h.length < 0 || h.size != len(b)) {
			t.Fatalf("%q: %+v", b, h)
		}
	})
}
