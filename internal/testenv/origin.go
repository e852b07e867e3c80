package testenv

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"
)

// Origin is a real HTTP origin on loopback for tests: it serves the
// objects it holds with Range, conditional requests, ETag and
// Last-Modified (net/http's ServeContent), counts requests and body bytes
// per path, and lets a test take over requests (SetHook) to stall, fail or
// answer otherwise. It is closed when the test ends.
type Origin struct {
	URL string // http://127.0.0.1:port, no trailing slash

	srv *http.Server

	mu       sync.Mutex // protects everything below
	objects  map[string]Object
	generate func(path string) (Object, bool)
	requests map[string]int
	sent     map[string]int64
	total    struct{ requests, sent int64 }
	inFlight int
	hook     func(w http.ResponseWriter, r *http.Request) bool
}

// Object is what the origin answers for a path. Body holds the bytes;
// when it is nil, Size bytes are served without being stored (objects of
// many GiB cost no memory): Bytes(from, to) of them when Bytes is set,
// else the Pattern.
type Object struct {
	Body        []byte
	Size        int64
	Bytes       func(from, to int64) []byte // content [from, to) when Body is nil
	ETag        string                      // default "v1-SIZE" (quoted)
	ModTime     time.Time                   // default 2026-01-02T03:04:05Z
	ContentType string                      // default: net/http's sniffing by name
	Header      http.Header
}

// NewOrigin starts an origin on a free loopback port.
func NewOrigin(t testing.TB) *Origin {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &Origin{URL: "http://" + ln.Addr().String(), objects: map[string]Object{}, requests: map[string]int{}, sent: map[string]int64{}}
	o.srv = &http.Server{Handler: http.HandlerFunc(o.serve)}
	go o.srv.Serve(ln)
	t.Cleanup(func() { o.srv.Close() })
	return o
}

// Close stops the origin as an origin that goes down: its listener and
// open connections are closed, so later requests find nothing
// listening. The test's end closes it too; closing twice is harmless.
func (o *Origin) Close() { o.srv.Close() }

// Put serves body at path.
func (o *Origin) Put(path string, body []byte) { o.PutObject(path, Object{Body: body}) }

// PutPattern serves size bytes of Pattern at path.
func (o *Origin) PutPattern(path string, size int64) { o.PutObject(path, Object{Size: size}) }

// PutObject serves obj at path, filling in its defaults.
func (o *Origin) PutObject(path string, obj Object) {
	obj = obj.withDefaults()
	o.mu.Lock()
	o.objects[path] = obj
	o.mu.Unlock()
}

// PutFunc serves the paths that were not put with what f returns for
// them, made at each request (a test whose objects are a function of
// their path: any path, no set-up); false is a 404. nil removes f.
func (o *Origin) PutFunc(f func(path string) (Object, bool)) {
	o.mu.Lock()
	o.generate = f
	o.mu.Unlock()
}

func (obj Object) withDefaults() Object {
	if obj.Body != nil {
		obj.Size = int64(len(obj.Body))
	}
	if obj.ETag == "" {
		obj.ETag = fmt.Sprintf(`"v1-%d"`, obj.Size)
	}
	if obj.ModTime.IsZero() {
		obj.ModTime = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	return obj
}

// Delete makes path answer 404.
func (o *Origin) Delete(path string) {
	o.mu.Lock()
	delete(o.objects, path)
	o.mu.Unlock()
}

// SetHook lets h see every request first; when it returns true it has
// answered. Its writer counts body bytes like the origin's own answers; a
// hook that only changes how the answer goes out (headers, pace, a cut)
// wraps the writer and calls Answer. nil removes the hook.
func (o *Origin) SetHook(h func(w http.ResponseWriter, r *http.Request) bool) {
	o.mu.Lock()
	o.hook = h
	o.mu.Unlock()
}

// Requests is the number of requests for path; "" counts every path.
func (o *Origin) Requests(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	if path == "" {
		return int(o.total.requests)
	}
	return o.requests[path]
}

// Sent is the number of body bytes sent for path; "" counts every path.
func (o *Origin) Sent(path string) int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	if path == "" {
		return o.total.sent
	}
	return o.sent[path]
}

// InFlight is the number of requests being answered now. Once it is 0
// no more bytes are counted until the next request: a test waits for it
// before asserting that a client stopped fetching, rather than waiting
// for the byte count to stop moving.
func (o *Origin) InFlight() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.inFlight
}

func (o *Origin) serve(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	o.requests[r.URL.Path]++
	o.total.requests++
	o.inFlight++
	hook := o.hook
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.inFlight--
		o.mu.Unlock()
	}()
	cw := &countingWriter{ResponseWriter: w, o: o, path: r.URL.Path}
	if hook != nil && hook(cw, r) {
		return
	}
	o.Answer(cw, r)
}

// Answer answers r as the origin does when no hook takes it: the object
// at its path with ranges and conditionals, or 404. Bytes written
// through a hook's writer are counted.
func (o *Origin) Answer(w http.ResponseWriter, r *http.Request) {
	obj, ok := o.lookup(r.URL.Path)
	if !ok {
		if cw, ok := w.(*countingWriter); ok {
			w = cw.ResponseWriter // a 404's text is no object's bytes
		}
		http.NotFound(w, r)
		return
	}
	for k, v := range obj.Header {
		w.Header()[k] = v
	}
	w.Header().Set("ETag", obj.ETag)
	if obj.ContentType != "" {
		w.Header().Set("Content-Type", obj.ContentType)
	}
	http.ServeContent(w, r, r.URL.Path, obj.ModTime, obj.reader())
}

func (o *Origin) lookup(path string) (Object, bool) {
	o.mu.Lock()
	obj, ok := o.objects[path]
	gen := o.generate
	o.mu.Unlock()
	if ok || gen == nil {
		return obj, ok
	}
	if obj, ok = gen(path); !ok {
		return Object{}, false
	}
	return obj.withDefaults(), true
}

func (obj Object) reader() io.ReadSeeker {
	switch {
	case obj.Body != nil:
		return bytes.NewReader(obj.Body)
	case obj.Bytes != nil:
		return &funcReader{size: obj.Size, bytes: obj.Bytes}
	}
	return &PatternReader{Size: obj.Size}
}

// countingWriter counts the body bytes of one answer.
type countingWriter struct {
	http.ResponseWriter
	o    *Origin
	path string
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.ResponseWriter.Write(p)
	c.o.mu.Lock()
	c.o.sent[c.path] += int64(n)
	c.o.total.sent += int64(n)
	c.o.mu.Unlock()
	return n, err
}

// Unwrap lets http.NewResponseController reach the connection's writer,
// so that a hook can hijack the connection and send what it likes.
func (c *countingWriter) Unwrap() http.ResponseWriter { return c.ResponseWriter }

// Flush lets a hook stream an answer piece by piece.
func (c *countingWriter) Flush() {
	if f, ok := c.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
