package cache

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache/policy"
	"github.com/vodedge/vodedge/origin"
)

// rawOrigin is an HTTP/1.1 origin on loopback that writes its answers
// byte for byte: net/http's server drops Content-Type from a 304, which
// RFC 9110 §15.4.5 lets an origin send.
type rawOrigin struct {
	ln     net.Listener
	answer func(r *http.Request) string // the whole response head and body
	mu     sync.Mutex
	conns  []net.Conn // protected by mu
	wg     sync.WaitGroup
}

func newRawOrigin(t *testing.T, answer func(r *http.Request) string) *rawOrigin {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	o := &rawOrigin{ln: ln, answer: answer}
	o.wg.Go(o.accept)
	t.Cleanup(o.close)
	return o
}

func (o *rawOrigin) url() string { return "http://" + o.ln.Addr().String() }

func (o *rawOrigin) accept() {
	for {
		c, err := o.ln.Accept()
		if err != nil {
			return
		}
		o.mu.Lock()
		o.conns = append(o.conns, c)
		o.mu.Unlock()
		o.wg.Go(func() { o.serve(c) })
	}
}

func (o *rawOrigin) serve(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		r, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, r.Body)
		if _, err := io.WriteString(c, o.answer(r)); err != nil {
			return
		}
	}
}

func (o *rawOrigin) close() {
	o.ln.Close()
	o.mu.Lock()
	for _, c := range o.conns {
		c.Close()
	}
	o.mu.Unlock()
	o.wg.Wait()
}

// TestRevalidation304UpdatesContentFields: a 304 whose Content-Type and
// Content-Encoding differ from the stored 200's replaces them (RFC 9111
// §3.2: the edge stores the bytes as received, so the exception for
// caches that store a processed form does not apply); the validators
// and the bytes stay, and the hits that follow carry the new fields.
func TestRevalidation304UpdatesContentFields(t *testing.T) {
	clock := newClock()
	var mu sync.Mutex
	var conditional int
	o := newRawOrigin(t, func(r *http.Request) string {
		date := clock.Now().UTC().Format(http.TimeFormat)
		if r.Header.Get("If-None-Match") == `"d1"` {
			mu.Lock()
			conditional++
			mu.Unlock()
			return "HTTP/1.1 304 Not Modified\r\nDate: " + date + "\r\nETag: \"d1\"\r\nCache-Control: max-age=100\r\n" +
				"Content-Type: text/html; charset=utf-8\r\nContent-Encoding: x-two\r\n\r\n"
		}
		return fmt.Sprintf("HTTP/1.1 200 OK\r\nDate: %s\r\nETag: \"d1\"\r\nCache-Control: max-age=10\r\n"+
			"Content-Type: text/plain\r\nContent-Encoding: x-one\r\nContent-Length: 5\r\n\r\nhello", date)
	})
	org, err := origin.NewHTTP(o.url(), origin.HTTPOptions{HeaderTimeout: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { org.Close() })
	cfg := testConfig()
	if cfg.Policies, err = policy.ParseSet([]string{"*=rfc"}); err != nil {
		t.Fatal(err)
	}
	e := startEdgeDisk(t, cfg, org, nil, withClock(clock))
	c := client(t)
	check := func(step, ct, ce string) {
		t.Helper()
		r := do(t, c, "GET", e.url+"/doc")
		if r.status != 200 || string(r.body) != "hello" || r.header.Get("Content-Type") != ct || r.header.Get("Content-Encoding") != ce || r.header.Get("ETag") != `"d1"` {
			t.Fatalf("%s: %d %q, Content-Type %q, Content-Encoding %q, ETag %q; want %q, %q", step, r.status, r.body,
				r.header.Get("Content-Type"), r.header.Get("Content-Encoding"), r.header.Get("ETag"), ct, ce)
		}
		waitIdle(t, e)
	}
	check("fetched", "text/plain", "x-one")
	clock.Advance(11 * time.Second)
	check("revalidated", "text/html; charset=utf-8", "x-two")
	clock.Advance(50 * time.Second)
	check("hit after the 304", "text/html; charset=utf-8", "x-two")
	mu.Lock()
	defer mu.Unlock()
	if conditional != 1 {
		t.Fatalf("%d conditional requests, want 1", conditional)
	}
}
