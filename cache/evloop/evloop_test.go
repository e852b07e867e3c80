package evloop

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/valyala/fasthttp"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m, testenv.FasthttpGoroutines()...) }

// rig is a loop server on loopback with a handler of fixed answers and
// a real fasthttp server as its fallback.
type rig struct {
	t      *testing.T
	s      *Server
	addr   string
	big    []byte // /big's body, answered stable
	closed atomic.Int64
	served chan error
	// file holds big; /file answers a part of it as a File body,
	// /cut one claiming more bytes than the file has.
	file         *os.File
	files, dones atomic.Int64 // File bodies set, and released
	shorts       atomic.Int64 // of them, released as short
}

func newRig(t *testing.T, cfg Config) *rig {
	t.Helper()
	r := &rig{t: t, big: testenv.PatternBytes(0, 4<<20), served: make(chan error, 1)}
	r.file = tempFile(t, r.big)
	fb := &fasthttp.Server{Name: "fallback", ReadTimeout: 200 * time.Millisecond, Handler: func(ctx *fasthttp.RequestCtx) {
		ctx.SetBodyString("fallback " + string(ctx.Method()) + " " + string(ctx.Path()) + " " + string(ctx.PostBody()))
		if string(ctx.Path()) == "/resume" {
			pc := ctx.Conn().(*prefixConn)
			ctx.Hijack(func(hc net.Conn) { r.resume(pc, hc) })
		}
	}}
	if cfg.Loops == 0 {
		cfg = Config{Loops: 1, MaxHeaderBytes: 4096, ReadTimeout: 5 * time.Second, IdleTimeout: 5 * time.Second, WriteTimeout: 5 * time.Second, Name: "loop"}
	}
	s, err := New(cfg, Deps{
		Handle: r.handle,
		Fallback: func(c net.Conn, buffered []byte) {
			_ = fb.ServeConn(&prefixConn{Conn: c, pre: buffered})
		},
		Closed: func(net.Conn) { r.closed.Add(1) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	r.s, r.addr = s, ln.Addr().String()
	go func() { r.served <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-r.served; err != nil {
			t.Errorf("Serve: %v", err)
		}
		_ = fb.Shutdown()
	})
	return r
}

func (r *rig) handle(ctx *fasthttp.RequestCtx) Verdict {
	switch p := string(ctx.Path()); p {
	case "/small":
		ctx.SetBodyString("small body")
		return Answered
	case "/big":
		ctx.Response.SetBodyRaw(r.big)
		return AnsweredStable
	case "/copy":
		// A large body in the context's own buffer: the loop must copy
		// what the socket does not take before the next request reuses it.
		ctx.SetBody(bytes.Repeat([]byte{ctx.QueryArgs().Peek("b")[0]}, 2<<20))
		return Answered
	case "/notmod":
		ctx.SetStatusCode(http.StatusNotModified)
		return Answered
	case "/close":
		ctx.SetConnectionClose()
		ctx.SetBodyString("bye")
		return Answered
	case "/file", "/cut":
		q := ctx.QueryArgs()
		off, n := int64(q.GetUintOrZero("off")), int64(q.GetUintOrZero("n"))
		if p == "/cut" {
			off, n = int64(len(r.big))-1000, 5000
		}
		r.files.Add(1)
		ctx.Response.SetBodyStream(&testFile{r: r, off: off, n: n}, int(n))
		return Answered
	default:
		return HandOff
	}
}

// prefixConn reads pre before c's own bytes; once noWait is set, it
// reads none of c's.
type prefixConn struct {
	net.Conn
	pre    []byte
	noWait bool
}

func (c *prefixConn) Read(p []byte) (int, error) {
	if len(c.pre) > 0 {
		n := copy(p, c.pre)
		c.pre = c.pre[n:]
		return n, nil
	}
	if c.noWait {
		return 0, io.ErrNoProgress
	}
	return c.Conn.Read(p)
}

// resume gives a connection the fallback answered /resume on back to
// the loops, with what the fallback's reader holds of it (hc reads that
// first, then pc's own pre).
func (r *rig) resume(pc *prefixConn, hc net.Conn) {
	pc.noWait = true
	var buffered []byte
	p := make([]byte, 512)
	for {
		n, err := hc.Read(p)
		buffered = append(buffered, p[:n]...)
		if err != nil {
			break
		}
	}
	if !r.s.Resume(pc.Conn.(*net.TCPConn), buffered) {
		r.t.Errorf("Resume refused a connection")
	}
}

func (r *rig) dial() (net.Conn, *bufio.Reader) {
	r.t.Helper()
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return c, bufio.NewReader(c)
}

// get reads one response; method is what it answers.
func get(t *testing.T, br *bufio.Reader, method string) (*http.Response, string) {
	t.Helper()
	resp, err := http.ReadResponse(br, &http.Request{Method: method})
	if err != nil {
		t.Fatalf("reading a response: %v", err)
	}
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("reading a body: %v", err)
	}
	return resp, string(b)
}

func send(t *testing.T, c net.Conn, s string) {
	t.Helper()
	if _, err := io.WriteString(c, s); err != nil {
		t.Fatal(err)
	}
}

func TestServesKeepAliveRequests(t *testing.T) {
	r := newRig(t, Config{})
	c, br := r.dial()
	for range 3 {
		send(t, c, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
		resp, body := get(t, br, "GET")
		if resp.StatusCode != 200 || body != "small body" || resp.Header.Get("Server") != "loop" || resp.Header.Get("Date") == "" {
			t.Fatalf("got %d %q, header %v", resp.StatusCode, body, resp.Header)
		}
	}
	send(t, c, "HEAD /small HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := get(t, br, "HEAD"); resp.ContentLength != int64(len("small body")) || body != "" {
		t.Fatalf("HEAD: length %d, body %q", resp.ContentLength, body)
	}
	send(t, c, "GET /notmod HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, _ := get(t, br, "GET"); resp.StatusCode != 304 || resp.Header.Get("Content-Length") != "" {
		t.Fatalf("304: %d, header %v", resp.StatusCode, resp.Header)
	}
	st := r.s.Stats()
	if st.Accepted != 1 || st.Served != 5 || st.HandOffs != 0 || st.Open != 1 {
		t.Fatalf("stats %+v, want 1 accepted, 5 served, no hand-off, 1 open", st)
	}
}

func TestPipelinedRequestsKeepTheirOrderAcrossAHandOff(t *testing.T) {
	r := newRig(t, Config{})
	c, br := r.dial()
	// One write: two answered by the loop, then one it hands off with
	// what follows it, which the fallback answers in order.
	send(t, c, "GET /small HTTP/1.1\r\nHost: x\r\n\r\nGET /big HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /other HTTP/1.1\r\nHost: x\r\n\r\nPOST /small HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"+
		"GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	want := []string{"small body", string(r.big), "fallback GET /other ", "fallback POST /small abc", "fallback GET /small "}
	for i, w := range want {
		resp, body := get(t, br, "GET")
		if body != w {
			t.Fatalf("response %d: %d, %d bytes, want %q…", i, resp.StatusCode, len(body), w[:min(len(w), 30)])
		}
	}
	if st := r.s.Stats(); st.Served != 2 || st.HandOffs != 1 || st.Open != 0 {
		t.Fatalf("stats %+v, want 2 served, 1 hand-off, none open", st)
	}
}

func TestHandsOffWhatItDoesNotAnswer(t *testing.T) {
	r := newRig(t, Config{})
	for _, tc := range []struct{ name, req, want string }{
		{"a body", "PUT /small HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\nhi", "fallback PUT /small hi"},
		{"chunked", "GET /small HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nhi\r\n0\r\n\r\n", "fallback GET /small hi"},
		{"HTTP/1.0", "GET /small HTTP/1.0\r\nHost: x\r\n\r\n", "fallback GET /small "},
		{"not GET or HEAD", "OPTIONS /small HTTP/1.1\r\nHost: x\r\n\r\n", "fallback OPTIONS /small "},
		{"the handler", "GET /miss HTTP/1.1\r\nHost: x\r\n\r\n", "fallback GET /miss "},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, br := r.dial()
			send(t, c, tc.req)
			if _, body := get(t, br, "GET"); body != tc.want {
				t.Fatalf("got %q, want %q", body, tc.want)
			}
		})
	}
	t.Run("a header block too long", func(t *testing.T) {
		c, br := r.dial()
		send(t, c, "GET /small HTTP/1.1\r\nHost: x\r\nX-Long: "+strings.Repeat("a", 5000)+"\r\n\r\n")
		if resp, _ := get(t, br, "GET"); resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
			t.Fatalf("got %d, want the fallback's 431", resp.StatusCode)
		}
	})
	t.Run("a request line that does not parse", func(t *testing.T) {
		c, br := r.dial()
		send(t, c, "GARBAGE\r\n\r\n")
		if resp, _ := get(t, br, "GET"); resp.StatusCode != http.StatusBadRequest {
			t.Fatalf("got %d, want the fallback's 400", resp.StatusCode)
		}
	})
}

func TestRequestSentInPieces(t *testing.T) {
	r := newRig(t, Config{})
	c, br := r.dial()
	req := "GET /small HTTP/1.1\r\nHost: x\r\n\r\n"
	for i := range len(req) {
		send(t, c, req[i:i+1])
		time.Sleep(time.Millisecond)
	}
	if _, body := get(t, br, "GET"); body != "small body" {
		t.Fatalf("got %q", body)
	}
}

// slowClient dials with a small receive buffer, so that a large
// response waits for EPOLLOUT many times.
func (r *rig) slowClient() (net.Conn, *bufio.Reader) {
	r.t.Helper()
	d := net.Dialer{Control: func(_, _ string, rc syscall.RawConn) error {
		return rc.Control(func(fd uintptr) { _ = syscall.SetsockoptInt(int(fd), syscall.SOL_SOCKET, syscall.SO_RCVBUF, 8<<10) })
	}}
	c, err := d.Dial("tcp", r.addr)
	if err != nil {
		r.t.Fatal(err)
	}
	r.t.Cleanup(func() { _ = c.Close() })
	_ = c.SetDeadline(time.Now().Add(20 * time.Second))
	return c, bufio.NewReaderSize(c, 1024)
}

func TestLargeBodiesToASlowClient(t *testing.T) {
	r := newRig(t, Config{})
	slow, slowBr := r.slowClient()
	send(t, slow, "GET /big HTTP/1.1\r\nHost: x\r\n\r\nGET /copy?b=a HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	// While the slow client's responses wait, another connection's
	// /copy reuses the context's body buffer with other bytes.
	fast, fastBr := r.dial()
	if _, err := slowBr.Peek(1); err != nil {
		t.Fatal(err)
	}
	send(t, fast, "GET /copy?b=z HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := get(t, fastBr, "GET"); body != strings.Repeat("z", 2<<20) {
		t.Fatal("the fast client's /copy is wrong")
	}
	if _, body := get(t, slowBr, "GET"); body != string(r.big) {
		t.Fatalf("/big: %d bytes differ from the %d sent", len(body), len(r.big))
	}
	if _, body := get(t, slowBr, "GET"); body != strings.Repeat("a", 2<<20) {
		t.Fatal("the slow client's /copy is not its own bytes")
	}
	if _, body := get(t, slowBr, "GET"); body != "small body" {
		t.Fatalf("got %q", body)
	}
}

func TestConnectionClose(t *testing.T) {
	r := newRig(t, Config{})
	for _, req := range []string{
		"GET /small HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
		"GET /close HTTP/1.1\r\nHost: x\r\n\r\n",
	} {
		c, br := r.dial()
		send(t, c, req)
		if resp, _ := get(t, br, "GET"); !resp.Close {
			t.Fatalf("%q: no Connection: close", req)
		}
		if _, err := br.ReadByte(); err != io.EOF {
			t.Fatalf("%q: after the response, %v, want EOF", req, err)
		}
	}
	testenv.Eventually(t, 5*time.Second, "the loop counts both closes", func() bool { return r.closed.Load() == 2 })
}

func TestTimeouts(t *testing.T) {
	cfg := Config{Loops: 2, MaxHeaderBytes: 4096, ReadTimeout: 100 * time.Millisecond, IdleTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond}
	r := newRig(t, cfg)
	idle, idleBr := r.dial()
	send(t, idle, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	get(t, idleBr, "GET")
	partial, partialBr := r.dial()
	send(t, partial, "GET /small HTTP/1.1\r\n")
	stalled, _ := r.slowClient()
	send(t, stalled, "GET /big HTTP/1.1\r\nHost: x\r\n\r\n") // never read
	if _, err := idleBr.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection: %v, want EOF", err)
	}
	// The partial header goes to the fallback, which answers it with
	// its error after its own ReadTimeout (the edge's says 408).
	if resp, _ := get(t, partialBr, "GET"); resp.StatusCode/100 != 4 || resp.Header.Get("Server") != "fallback" {
		t.Fatalf("partial header: %d from %q, want the fallback's error", resp.StatusCode, resp.Header.Get("Server"))
	}
	testenv.Eventually(t, 10*time.Second, "the stalled response's connection is closed", func() bool { return r.s.Stats().Open == 0 })
	if n, h := r.closed.Load(), r.s.Stats().HandOffs; n != 2 || h != 1 {
		t.Fatalf("%d closes counted and %d hand-offs, want 2 and 1", n, h)
	}
}

func TestShutdownDrains(t *testing.T) {
	r := newRig(t, Config{})
	idle, br := r.dial()
	send(t, idle, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	get(t, br, "GET")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.s.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("idle connection after Shutdown: %v, want EOF", err)
	}
	if _, err := net.Dial("tcp", r.addr); err == nil {
		t.Fatal("the listener still accepts after Shutdown")
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	ok := Config{Loops: 1, MaxHeaderBytes: 4096, ReadTimeout: time.Second, IdleTimeout: time.Second, WriteTimeout: time.Second}
	deps := Deps{Handle: func(*fasthttp.RequestCtx) Verdict { return HandOff }, Fallback: func(net.Conn, []byte) {}}
	if _, err := New(ok, deps); err != nil {
		t.Fatal(err)
	}
	for name, mod := range map[string]func(*Config, *Deps){
		"no loops":    func(c *Config, _ *Deps) { c.Loops = 0 },
		"tiny header": func(c *Config, _ *Deps) { c.MaxHeaderBytes = 100 },
		"no timeout":  func(c *Config, _ *Deps) { c.IdleTimeout = 0 },
		"no handler":  func(_ *Config, d *Deps) { d.Handle = nil },
		"no fallback": func(_ *Config, d *Deps) { d.Fallback = nil },
	} {
		c, d := ok, deps
		mod(&c, &d)
		if _, err := New(c, d); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestHeaderEnd(t *testing.T) {
	for in, want := range map[string]int{
		"":                             -1,
		"GET / HTTP/1.1\r\n":           -1,
		"GET / HTTP/1.1\r\n\r":         -1,
		"GET / HTTP/1.1\r\n\r\n":       18,
		"GET / HTTP/1.1\r\n\r\nGET":    18,
		"GET / HTTP/1.1\nA: b\n\nx":    21,
		"GET / HTTP/1.1\r\nA: b\n\r\n": 23,
		"\r\nGET / HTTP/1.1\r\n\r\n":   20,
		"GET / HTTP/1.1\r\nA: b\r\n\r": -1,
		fmt.Sprintf("%s\r\n\r\n", "x"): 5,
	} {
		if got := headerEnd([]byte(in)); got != want {
			t.Errorf("headerEnd(%q) = %d, want %d", in, got, want)
		}
	}
}

func TestHalfClosedClientIsClosedAfterItsAnswer(t *testing.T) {
	r := newRig(t, Config{Loops: 1, MaxHeaderBytes: 4096, ReadTimeout: time.Minute, IdleTimeout: time.Minute, WriteTimeout: time.Minute})
	c, br := r.dial()
	send(t, c, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	if err := c.(*net.TCPConn).CloseWrite(); err != nil {
		t.Fatal(err)
	}
	if _, body := get(t, br, "GET"); body != "small body" {
		t.Fatalf("got %q", body)
	}
	// Not after IdleTimeout (a minute, beyond the read deadline): the
	// loop reads the FIN that came with the request.
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("after the answer: %v, want EOF", err)
	}
}

func TestShutdownTwice(t *testing.T) {
	r := newRig(t, Config{})
	c, br := r.dial()
	send(t, c, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	get(t, br, "GET")
	for range 2 {
		if err := r.s.Shutdown(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
}

// tempFile is a file holding b, open for reading.
func tempFile(t *testing.T, b []byte) *os.File {
	t.Helper()
	name := filepath.Join(t.TempDir(), "body")
	if err := os.WriteFile(name, b, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = f.Close() })
	return f
}

// testFile is a File body of the rig's file; released twice fails the
// test.
type testFile struct {
	r      *rig
	off, n int64
	done   atomic.Bool
}

func (f *testFile) Read([]byte) (int, error)       { return 0, io.ErrUnexpectedEOF }
func (f *testFile) Extent() (fd int, off, n int64) { return int(f.r.file.Fd()), f.off, f.n }
func (f *testFile) Done(short bool) {
	if f.done.Swap(true) {
		f.r.t.Errorf("a File body released twice")
	}
	if short {
		f.r.shorts.Add(1)
	}
	f.r.dones.Add(1)
}

// A File body goes out whole, small or many calls long, after its
// header, on a keep-alive connection and to a slow client; HEAD sends
// none; every File is released once.
func TestFileBodies(t *testing.T) {
	r := newRig(t, Config{})
	c, br := r.dial()
	send(t, c, "GET /file?off=7&n=100 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /file?off=1000&n=4000000 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"HEAD /file?n=5000 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /file?n=0 HTTP/1.1\r\nHost: x\r\n\r\n"+
		"GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	for i, want := range []string{string(r.big[7:107]), string(r.big[1000:4001000])} {
		if resp, body := get(t, br, "GET"); body != want || resp.ContentLength != int64(len(want)) {
			t.Fatalf("file body %d: %d bytes (Content-Length %d), want %d", i, len(body), resp.ContentLength, len(want))
		}
	}
	if resp, body := get(t, br, "HEAD"); resp.ContentLength != 5000 || body != "" {
		t.Fatalf("HEAD: Content-Length %d, body %q", resp.ContentLength, body)
	}
	if _, body := get(t, br, "GET"); body != "" {
		t.Fatalf("an empty file body: %q", body)
	}
	if _, body := get(t, br, "GET"); body != "small body" {
		t.Fatalf("after the file bodies: %q", body)
	}
	slow, slowBr := r.slowClient()
	send(t, slow, "GET /file?n=4194304 HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	if _, body := get(t, slowBr, "GET"); body != string(r.big) {
		t.Fatalf("slow client: %d bytes differ from the file's %d", len(body), len(r.big))
	}
	if _, body := get(t, slowBr, "GET"); body != "small body" {
		t.Fatalf("slow client after the file: %q", body)
	}
	if got := r.s.Stats().HandOffs; got != 0 {
		t.Fatalf("%d hand-offs", got)
	}
	testenv.Eventually(t, 5*time.Second, "every File released", func() bool { return r.dones.Load() == r.files.Load() })
	if r.files.Load() != 5 || r.shorts.Load() != 0 {
		t.Fatalf("%d files, %d released short", r.files.Load(), r.shorts.Load())
	}
}

// A file that ends before its Content-Length cuts the response: the
// connection closes and the File is released as short. One whose client
// stalls is released when the write timeout closes the connection.
func TestFileBodyCutOrStalled(t *testing.T) {
	cfg := Config{Loops: 1, MaxHeaderBytes: 4096, ReadTimeout: time.Second, IdleTimeout: 5 * time.Second, WriteTimeout: 100 * time.Millisecond}
	r := newRig(t, cfg)
	c, br := r.dial()
	send(t, c, "GET /cut HTTP/1.1\r\nHost: x\r\n\r\n")
	resp, err := http.ReadResponse(br, &http.Request{Method: "GET"})
	if err != nil {
		t.Fatal(err)
	}
	if b, err := io.ReadAll(resp.Body); err == nil || len(b) != 1000 {
		t.Fatalf("a cut file: %d bytes, %v; want its 1000 and an error", len(b), err)
	}
	stalled, _ := r.slowClient()
	send(t, stalled, "GET /file?n=4194304 HTTP/1.1\r\nHost: x\r\n\r\n") // never read
	testenv.Eventually(t, 10*time.Second, "both connections closed", func() bool { return r.files.Load() == 2 && r.s.Stats().Open == 0 })
	if r.files.Load() != 2 || r.dones.Load() != 2 || r.shorts.Load() != 1 {
		t.Fatalf("%d files, %d released, %d short; want 2, 2, 1", r.files.Load(), r.dones.Load(), r.shorts.Load())
	}
}

// A connection the fallback gives back (Resume) is the loop's again,
// with the requests the fallback had read and not answered, in order.
func TestResumeGivesAConnectionBackToTheLoop(t *testing.T) {
	r := newRig(t, Config{})
	c, br := r.dial()
	send(t, c, "GET /resume HTTP/1.1\r\nHost: x\r\n\r\nGET /small HTTP/1.1\r\nHost: x\r\n\r\nGET /other HTTP/1.1\r\nHost: x\r\n\r\n")
	for _, want := range []struct{ server, body string }{
		{"fallback", "fallback GET /resume "},
		{"loop", "small body"},
		{"fallback", "fallback GET /other "},
	} {
		if resp, body := get(t, br, "GET"); resp.Header.Get("Server") != want.server || body != want.body {
			t.Fatalf("%q from %q, want %q from %q", body, resp.Header.Get("Server"), want.body, want.server)
		}
	}
	send(t, c, "GET /resume HTTP/1.1\r\nHost: x\r\n\r\n")
	get(t, br, "GET")
	send(t, c, "GET /small HTTP/1.1\r\nHost: x\r\n\r\n")
	if resp, body := get(t, br, "GET"); resp.Header.Get("Server") != "loop" || body != "small body" {
		t.Fatalf("after the second resume: %q from %q", body, resp.Header.Get("Server"))
	}
	if st := r.s.Stats(); st.Resumed != 2 || st.HandOffs != 2 || st.Open != 1 {
		t.Fatalf("%+v: want 2 resumed, 2 hand-offs, 1 open", st)
	}
	_ = c.Close()
	testenv.Eventually(t, 5*time.Second, "the resumed connection's close counted once", func() bool { return r.closed.Load() == 1 && r.s.Stats().Open == 0 })
}
