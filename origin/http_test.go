package origin

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// fastOptions makes timeouts short enough for tests to wait for, and long
// enough that a loaded machine running -race tests does not hit them.
var fastOptions = HTTPOptions{
	DialTimeout:     time.Second,
	HeaderTimeout:   2 * time.Second,
	IdleReadTimeout: time.Second,
	UserAgent:       "vodedge/test",
}

// startServer serves h on 127.0.0.1 port 0 until the test ends.
func startServer(t *testing.T, h http.HandlerFunc) string {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// startStallServer serves a handler that runs send (when not nil), flushes
// and then stalls until the client goes away or the test ends (release is
// closed before the server, so that srv.Close does not wait forever).
func startStallServer(t *testing.T, send func(w http.ResponseWriter)) string {
	t.Helper()
	release := make(chan struct{})
	url := startServer(t, func(w http.ResponseWriter, r *http.Request) {
		if send != nil {
			send(w)
			w.(http.Flusher).Flush()
		}
		select {
		case <-r.Context().Done():
		case <-release:
		}
	})
	t.Cleanup(func() { close(release) })
	return url
}

func newHTTPOrigin(t *testing.T, base string, opts HTTPOptions) *HTTP {
	t.Helper()
	h, err := NewHTTP(base, opts)
	if err != nil {
		t.Fatalf("NewHTTP(%q): %v", base, err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

// serveObjects starts a well-behaved origin (testenv.Origin: correct
// 200/206/304/416) serving objects with a strong ETag "LEN", a fixed
// Last-Modified and a segment's Content-Type.
func serveObjects(t *testing.T, objects map[string][]byte) *testenv.Origin {
	t.Helper()
	o := testenv.NewOrigin(t)
	for path, data := range objects {
		o.PutObject(path, testenv.Object{Body: data, ETag: fmt.Sprintf(`"%d"`, len(data)),
			ModTime: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC), ContentType: "video/iso.segment"})
	}
	return o
}

func TestHTTPRanges(t *testing.T) {
	data := content(5000)
	url := serveObjects(t, map[string][]byte{"/vod/a b/seg.m4s": data, "/vod/empty": {}}).URL
	h := newHTTPOrigin(t, url+"/vod/", fastOptions)
	t.Run("ranges", func(t *testing.T) { testRanges(t, h, "/a b/seg.m4s", data) })
	t.Run("empty", func(t *testing.T) { testEmpty(t, h, "/empty") })
	t.Run("meta", func(t *testing.T) {
		obj, _, err := fetchAll(h, Request{Key: "/a b/seg.m4s", Offset: 10, Length: 10})
		if err != nil {
			t.Fatal(err)
		}
		want := Meta{Size: 5000, ETag: `"5000"`, ContentType: "video/iso.segment", LastModified: time.Date(2025, 3, 4, 5, 6, 7, 0, time.UTC)}
		if obj.Size != want.Size || obj.ETag != want.ETag || obj.ContentType != want.ContentType || !obj.LastModified.Equal(want.LastModified) {
			t.Errorf("Meta = %+v, want %+v", obj.Meta, want)
		}
	})
	t.Run("not found", func(t *testing.T) {
		_, _, err := fetchAll(h, Request{Key: "/nope", Length: -1})
		wantErr(t, err, ErrNotFound)
	})
}

// TestHTTPRequest checks what goes on the wire: the escaped path under the
// prefix, the Range header (absent for a whole object) and the User-Agent.
func TestHTTPRequest(t *testing.T) {
	var mu sync.Mutex
	var got []string
	url := startServer(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		got = append(got, fmt.Sprintf("%s|%s|%s", r.URL.EscapedPath(), r.Header.Get("Range"), r.UserAgent()))
		mu.Unlock()
		http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(content(100)))
	})
	h := newHTTPOrigin(t, url+"/p%20x", fastOptions)
	for _, req := range []Request{
		{Key: "/a b/c%d?e#f.m4s", Length: -1},
		{Key: "/ü/x", Offset: 10, Length: 5},
		{Key: "/x", Offset: 10, Length: -1},
	} {
		if _, _, err := fetchAll(h, req); err != nil {
			t.Fatalf("Fetch(%+v): %v", req, err)
		}
	}
	want := []string{
		"/p%20x/a%20b/c%25d%3Fe%23f.m4s||vodedge/test",
		"/p%20x/%C3%BC/x|bytes=10-14|vodedge/test",
		"/p%20x/x|bytes=10-|vodedge/test",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("requests:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestHTTPIgnoresRange: an origin answering 200 to a Range request still
// yields the requested bytes.
func TestHTTPIgnoresRange(t *testing.T) {
	data := content(3000)
	url := startServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", strconv.Itoa(len(data)))
		w.Write(data)
	})
	h := newHTTPOrigin(t, url, fastOptions)
	testRanges(t, h, "/a", data)
}

// TestHTTPChunked: a 200 without Content-Length has an unknown size, which
// is acceptable only for a whole-object request.
func TestHTTPChunked(t *testing.T) {
	data := content(3000)
	url := startServer(t, func(w http.ResponseWriter, r *http.Request) {
		w.Write(data[:1000])
		w.(http.Flusher).Flush() // forces chunked encoding
		w.Write(data[1000:])
	})
	h := newHTTPOrigin(t, url, fastOptions)
	obj, got, err := fetchAll(h, Request{Key: "/a", Length: -1})
	if err != nil || !bytes.Equal(got, data) || obj.Size != -1 || obj.Length != -1 {
		t.Errorf("whole: %d bytes, Size %v, err %v; want %d bytes of unknown size", len(got), obj, err, len(data))
	}
	_, _, err = fetchAll(h, Request{Key: "/a", Offset: 10, Length: 10})
	wantErr(t, err, ErrBadResponse)
}

func TestHTTPStatuses(t *testing.T) {
	url := startServer(t, func(w http.ResponseWriter, r *http.Request) {
		code, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/"))
		if code == http.StatusRequestedRangeNotSatisfiable && r.URL.Query().Has("size") {
			w.Header().Set("Content-Range", "bytes */"+r.URL.Query().Get("size"))
		}
		w.WriteHeader(code)
	})
	h := newHTTPOrigin(t, url, fastOptions)
	tests := []struct {
		code int
		want error
	}{
		{404, ErrNotFound},
		{410, ErrNotFound},
		{416, ErrRangeNotSatisfiable},
		{500, ErrUnreachable},
		{503, ErrUnreachable},
		{403, ErrBadResponse},
		{304, ErrBadResponse},
		{204, ErrBadResponse},
	}
	for _, tc := range tests {
		t.Run(strconv.Itoa(tc.code), func(t *testing.T) {
			_, _, err := fetchAll(h, Request{Key: "/" + strconv.Itoa(tc.code), Offset: 5, Length: 10})
			wantErr(t, err, tc.want)
			if !strings.Contains(err.Error(), strconv.Itoa(tc.code)) && tc.code != 416 {
				t.Errorf("error does not name the status: %v", err)
			}
		})
	}
	t.Run("416 without size", func(t *testing.T) {
		_, _, err := fetchAll(h, Request{Key: "/416", Offset: 5, Length: 10})
		var re *RangeError
		if !errors.As(err, &re) || re.Size != -1 {
			t.Errorf("err = %v, want a RangeError of size -1", err)
		}
	})
}

// TestHTTPLies checks that answers inconsistent with the request are
// refused rather than handed to the cache.
func TestHTTPLies(t *testing.T) {
	data := content(1000)
	lies := map[string]func(w http.ResponseWriter){
		"wrong start": func(w http.ResponseWriter) { partial(w, "bytes 0-99/1000", data[:100]) },
		"short range": func(w http.ResponseWriter) { partial(w, "bytes 100-149/1000", data[100:150]) },
		"no total":    func(w http.ResponseWriter) { partial(w, "bytes 100-199/*", data[100:200]) },
		"malformed":   func(w http.ResponseWriter) { partial(w, "bytes 100-199", data[100:200]) },
		"missing":     func(w http.ResponseWriter) { partial(w, "", data[100:200]) },
		"beyond size": func(w http.ResponseWriter) { partial(w, "bytes 100-199/150", data[100:200]) },
		"length mismatch": func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", "bytes 100-199/1000")
			w.Header().Set("Content-Length", "50")
			w.WriteHeader(http.StatusPartialContent)
			w.Write(data[100:150])
		},
		"short body": func(w http.ResponseWriter) {
			w.Header().Set("Content-Range", "bytes 100-199/1000")
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusPartialContent)
			w.Write(data[100:150]) // the server closes the connection
		},
		"short 200": func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "1000")
			w.Write(data[:120])
		},
	}
	for name, lie := range lies {
		t.Run(name, func(t *testing.T) {
			url := startServer(t, func(w http.ResponseWriter, r *http.Request) { lie(w) })
			h := newHTTPOrigin(t, url, fastOptions)
			_, _, err := fetchAll(h, Request{Key: "/a", Offset: 100, Length: 100})
			wantErr(t, err, ErrBadResponse)
		})
	}
}

func partial(w http.ResponseWriter, contentRange string, body []byte) {
	if contentRange != "" {
		w.Header().Set("Content-Range", contentRange)
	}
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusPartialContent)
	w.Write(body)
}

// TestHTTPStalls checks each timeout fires, quickly, as ErrTimeout.
func TestHTTPStalls(t *testing.T) {
	t.Run("before headers", func(t *testing.T) {
		h := newHTTPOrigin(t, startStallServer(t, nil), fastOptions)
		start := time.Now()
		_, _, err := fetchAll(h, Request{Key: "/a", Length: -1})
		wantErr(t, err, ErrTimeout)
		if d := time.Since(start); d > 20*time.Second { // the timeouts are far shorter; a minute-long default would show
			t.Errorf("took %v to time out", d)
		}
	})
	t.Run("mid body", func(t *testing.T) {
		h := newHTTPOrigin(t, startStallServer(t, func(w http.ResponseWriter) {
			w.Header().Set("Content-Length", "1000")
			w.Write(content(300))
		}), fastOptions)
		start := time.Now()
		_, got, err := fetchAll(h, Request{Key: "/a", Length: -1})
		wantErr(t, err, ErrTimeout)
		if len(got) != 300 {
			t.Errorf("got %d bytes before the stall, want 300", len(got))
		}
		if d := time.Since(start); d > 20*time.Second { // the timeouts are far shorter; a minute-long default would show
			t.Errorf("took %v to time out", d)
		}
	})
	t.Run("context deadline", func(t *testing.T) {
		opts := fastOptions
		opts.HeaderTimeout = time.Minute
		h := newHTTPOrigin(t, startStallServer(t, nil), opts)
		ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_, err := h.Fetch(ctx, Request{Key: "/a", Length: -1})
		wantErr(t, err, ErrTimeout, context.DeadlineExceeded)
	})
}

// TestHTTPSlowReader checks that a caller slow to read is not mistaken for
// a stalled origin: only time spent waiting on the origin counts.
func TestHTTPSlowReader(t *testing.T) {
	data := content(512 << 10)
	url := serveObjects(t, map[string][]byte{"/a": data}).URL
	opts := fastOptions
	opts.IdleReadTimeout = 400 * time.Millisecond // a margin for loaded CI machines
	h := newHTTPOrigin(t, url, opts)
	obj, err := h.Fetch(context.Background(), Request{Key: "/a", Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	buf := make([]byte, 16<<10)
	var got []byte
	for i := 0; ; i++ {
		if i < 2 {
			time.Sleep(opts.IdleReadTimeout + 100*time.Millisecond)
		}
		n, err := obj.Body.Read(buf)
		got = append(got, buf[:n]...)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("Read after %d bytes: %v", len(got), err)
		}
	}
	if !bytes.Equal(got, data) {
		t.Error("body differs")
	}
}

// TestHTTPCancel checks that cancelling the caller's context aborts a body
// being read, and is reported as cancellation, not as an origin failure.
func TestHTTPCancel(t *testing.T) {
	url := startStallServer(t, func(w http.ResponseWriter) {
		w.Header().Set("Content-Length", "1000")
		w.Write(content(10))
	})
	opts := fastOptions
	opts.IdleReadTimeout = time.Minute
	h := newHTTPOrigin(t, url, opts)
	ctx, cancel := context.WithCancel(context.Background())
	obj, err := h.Fetch(ctx, Request{Key: "/a", Length: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer obj.Body.Close()
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = io.ReadAll(obj.Body)
	wantErr(t, err, context.Canceled)
	for _, e := range []error{ErrTimeout, ErrUnreachable, ErrBadResponse} {
		if errors.Is(err, e) {
			t.Errorf("err = %v; a cancelled read must not look like %v", err, e)
		}
	}
}

func TestHTTPUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	h := newHTTPOrigin(t, "http://"+addr, fastOptions)
	_, _, err = fetchAll(h, Request{Key: "/a", Length: -1})
	wantErr(t, err, ErrUnreachable)

	// A server that accepts and hangs up before answering.
	l, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			c.Close()
		}
	}()
	h = newHTTPOrigin(t, "http://"+l.Addr().String(), fastOptions)
	_, _, err = fetchAll(h, Request{Key: "/a", Length: -1})
	wantErr(t, err, ErrUnreachable)
}

func TestNewHTTPRejects(t *testing.T) {
	for _, base := range []string{
		"", "ftp://h/", "http://", "http:opaque", "http://h/?q=1", "http://h/#f", "://h", "http://h:port/",
	} {
		if h, err := NewHTTP(base, HTTPOptions{}); err == nil {
			h.Close()
			t.Errorf("NewHTTP(%q) succeeded", base)
		}
	}
	if _, err := NewHTTP("http://h", HTTPOptions{DialTimeout: -1}); err == nil {
		t.Error("NewHTTP with a negative timeout succeeded")
	}
}

func TestHTTPString(t *testing.T) {
	h := newHTTPOrigin(t, "https://user:secret@example.com/vod/", HTTPOptions{})
	if s := h.String(); strings.Contains(s, "secret") || !strings.Contains(s, "example.com/vod") {
		t.Errorf("String() = %q", s)
	}
}

// TestHTTPRangeStartingEarlier: a 206 that starts before the offset asked
// for but holds it (an origin rounding ranges to its blocks) is used:
// its leading bytes are dropped.
func TestHTTPRangeStartingEarlier(t *testing.T) {
	data := content(1000)
	url := startServer(t, func(w http.ResponseWriter, r *http.Request) { partial(w, "bytes 0-299/1000", data[:300]) })
	h := newHTTPOrigin(t, url, fastOptions)
	obj, got, err := fetchAll(h, Request{Key: "/a", Offset: 100, Length: 100})
	if err != nil {
		t.Fatal(err)
	}
	if obj.Size != 1000 || obj.Offset != 100 || string(got) != string(data[100:200]) {
		t.Fatalf("got %d bytes at %v (size %v)", len(got), obj.Offset, obj.Size)
	}
}
