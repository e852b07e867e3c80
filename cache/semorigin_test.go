package cache

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// newClock returns the edge's and the test origin's clock, at a whole
// second of the present: tests move it instead of sleeping.
func newClock() *testenv.Clock { return testenv.NewClock(time.Now().Truncate(time.Second)) }

func withClock(c *testenv.Clock) func(*Deps) { return func(d *Deps) { d.Clock = c.Now } }

// semObject is what the semantics origin answers for one path.
type semObject struct {
	body    []byte
	etag    string
	lastMod time.Time
	status  int         // 0: 200 with ranges and conditionals (http.ServeContent)
	header  http.Header // extra response fields, Date excepted
	// varyOn makes the body depend on that request field (a variant).
	varyOn string
	// gate, when set, holds every answer until it is closed.
	gate chan struct{}
	// delay moves the test's clock before each answer: the exchange
	// takes that long as the edge's clock sees it.
	delay time.Duration
}

// semRequest is what the origin saw of one request.
type semRequest struct {
	method, path, body string
	header             http.Header
}

// semOrigin is an HTTP origin on loopback (a testenv.Origin whose hook
// answers every request) that answers with exactly the header fields a
// test sets, dated by the test's clock, and records every request.
type semOrigin struct {
	srv   *testenv.Origin // URL; Sent counts the body bytes of its answers
	clock *testenv.Clock

	mu   sync.Mutex
	objs map[string]*semObject // protected by mu
	reqs []semRequest          // protected by mu

	// post answers unsafe methods: status and extra fields.
	post func(r *http.Request) (int, http.Header)
}

func newSemOrigin(t *testing.T, clock *testenv.Clock) *semOrigin {
	o := &semOrigin{srv: testenv.NewOrigin(t), clock: clock, objs: map[string]*semObject{}}
	o.srv.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		o.serve(w, r)
		return true
	})
	t.Cleanup(o.stop)
	return o
}

// stop closes the origin: later requests find nothing listening.
func (o *semOrigin) stop() {
	o.mu.Lock()
	for _, ob := range o.objs {
		if ob.gate != nil {
			select {
			case <-ob.gate:
			default:
				close(ob.gate)
			}
		}
	}
	o.mu.Unlock()
	o.srv.Close()
}

// set installs (or replaces) the object at path.
func (o *semOrigin) set(path string, ob *semObject) {
	if ob.lastMod.IsZero() {
		ob.lastMod = o.clock.Now().Add(-time.Hour).Truncate(time.Second)
	}
	o.mu.Lock()
	o.objs[path] = ob
	o.mu.Unlock()
}

// edit changes the object at path under the lock.
func (o *semOrigin) edit(path string, fn func(*semObject)) {
	o.mu.Lock()
	fn(o.objs[path])
	o.mu.Unlock()
}

// requests returns what the origin saw for path (all paths when "").
func (o *semOrigin) requests(path string) []semRequest {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []semRequest
	for _, r := range o.reqs {
		if path == "" || r.path == path {
			out = append(out, r)
		}
	}
	return out
}

// count returns how many requests for path the origin saw, and how many
// of them were conditional.
func (o *semOrigin) count(path string) (all, conditional int) {
	for _, r := range o.requests(path) {
		all++
		if r.header.Get("If-None-Match") != "" || r.header.Get("If-Modified-Since") != "" {
			conditional++
		}
	}
	return all, conditional
}

func (o *semOrigin) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	o.mu.Lock()
	o.reqs = append(o.reqs, semRequest{method: r.Method, path: r.URL.Path, body: string(body), header: r.Header.Clone()})
	ob := o.objs[r.URL.Path]
	var cp semObject
	if ob != nil {
		cp = *ob
		cp.header = ob.header.Clone()
	}
	post := o.post
	o.mu.Unlock()
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		status, hdr := http.StatusOK, http.Header(nil)
		if post != nil {
			status, hdr = post(r)
		}
		for k, v := range hdr {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		io.WriteString(w, "done")
		return
	}
	if ob == nil {
		w.Header().Set("Date", o.clock.Now().UTC().Format(http.TimeFormat))
		http.NotFound(w, r)
		return
	}
	if cp.gate != nil {
		select {
		case <-cp.gate:
		case <-r.Context().Done():
			return
		}
	}
	if cp.delay > 0 {
		o.clock.Advance(cp.delay)
	}
	o.answer(w, r, &cp)
}

func (o *semOrigin) answer(w http.ResponseWriter, r *http.Request, ob *semObject) {
	h := w.Header()
	for k, v := range ob.header {
		h[k] = v
	}
	h.Set("Date", o.clock.Now().UTC().Format(http.TimeFormat))
	body := ob.body
	if ob.varyOn != "" {
		body = append(append(append([]byte(nil), body...), '|'), r.Header.Get(ob.varyOn)...)
	}
	if ob.status != 0 {
		w.WriteHeader(ob.status)
		w.Write(body)
		return
	}
	if ob.etag != "" {
		h.Set("ETag", ob.etag)
	}
	http.ServeContent(w, r, "", ob.lastMod, bytes.NewReader(body))
}

// semEdge starts an edge with the fake clock in front of o; cfg edits
// the test configuration.
func semEdge(t *testing.T, o *semOrigin, edit func(*Config)) *edge {
	cfg := testConfig()
	if edit != nil {
		edit(&cfg)
	}
	return startEdgeDisk(t, cfg, httpOriginSem(t, o), nil, withClock(o.clock))
}

// hdr builds an http.Header from name, value pairs.
func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

// content returns n bytes of recognizable content for version v.
func content(v string, n int) []byte {
	return []byte(strings.Repeat(fmt.Sprintf("%s-", v), n)[:n])
}

// cacheStatusOf returns an answer's Cache-Status; a fresh hit carries
// none (X-Cache says HIT-RAM or HIT-DISK) and reads as "edge-1; hit".
func cacheStatusOf(r reply) string {
	if cs := r.header.Get("Cache-Status"); cs != "" {
		return cs
	}
	if strings.HasPrefix(r.header.Get("X-Cache"), "HIT-") {
		return "edge-1; hit"
	}
	return ""
}
