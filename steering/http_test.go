package steering

import (
	"encoding/json"
	"net"
	"net/netip"
	"strings"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/steering/cluster"
)

func TestClientAddr(t *testing.T) {
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("10.255.0.0/16")}
	for _, c := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"untrusted peer: its own address, whatever it claims", "192.0.2.1", []string{"10.1.1.1"}, "192.0.2.1"},
		{"trusted peer, no header", "127.0.0.1", nil, "127.0.0.1"},
		{"trusted peer", "127.0.0.1", []string{"10.1.1.1"}, "10.1.1.1"},
		{"the rightmost untrusted entry", "127.0.0.1", []string{"6.6.6.6, 10.1.1.1, 10.255.0.9"}, "10.1.1.1"},
		{"several headers, last one first", "127.0.0.1", []string{"6.6.6.6", "10.1.1.1"}, "10.1.1.1"},
		{"with a port", "127.0.0.1", []string{"[2001:db8::1]:4711"}, "2001:db8::1"},
		{"v4 with a port", "127.0.0.1", []string{"10.1.1.1:80"}, "10.1.1.1"},
		{"garbage stops the walk at the last good entry", "127.0.0.1", []string{"10.1.1.1, junk, 10.255.0.2"}, "10.255.0.2"},
		{"all trusted", "127.0.0.1", []string{"10.255.0.1, 10.255.0.2"}, "10.255.0.1"},
		{"mapped peer", "::ffff:127.0.0.1", []string{"10.1.1.1"}, "10.1.1.1"},
	} {
		var xff [][]byte
		for _, h := range c.xff {
			xff = append(xff, []byte(h))
		}
		if got := clientAddr(netip.MustParseAddr(c.peer), xff, trusted); got.String() != c.want {
			t.Errorf("%s: %s, want %s", c.name, got, c.want)
		}
	}
}

func FuzzClientAddr(f *testing.F) {
	f.Add("10.1.1.1, 127.0.0.1", "::1")
	f.Add("[::1]:80,,", "127.0.0.5")
	trusted := []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	f.Fuzz(func(t *testing.T, xff, peer string) {
		p, err := netip.ParseAddr(peer)
		if err != nil {
			return
		}
		got := clientAddr(p, [][]byte{[]byte(xff)}, trusted)
		if !got.IsValid() || got.Is4In6() || (!isTrusted(p.Unmap(), trusted) && got != p.Unmap()) {
			t.Fatalf("clientAddr(%q, %q) = %v", peer, xff, got)
		}
	})
}

// FuzzAppendString: the hand-written JSON strings are valid JSON that
// decodes to the input (invalid UTF-8 replaced, as encoding/json does).
func FuzzAppendString(f *testing.F) {
	f.Add("/titles/a\"b\\c\n\x00é\xff")
	f.Fuzz(func(t *testing.T, s string) {
		var back string
		if err := json.Unmarshal(appendString(nil, s), &back); err != nil {
			t.Fatalf("%q encodes to invalid JSON %q: %v", s, appendString(nil, s), err)
		}
		want, _ := json.Marshal(s)
		var w string
		_ = json.Unmarshal(want, &w)
		if back != w {
			t.Fatalf("%q round trips to %q, encoding/json gives %q", s, back, w)
		}
	})
}

// serveOnce runs one request through the handler.
func serveOnce(t *testing.T, s *Service, method, uri string, peer string) *fasthttp.Response {
	t.Helper()
	var req fasthttp.Request
	req.Header.SetMethod(method)
	req.SetRequestURI(uri)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.ParseIP(peer), Port: 5000}, nil)
	s.Handler()(&ctx)
	resp := &fasthttp.Response{}
	ctx.Response.CopyTo(resp)
	return resp
}

func newTestService(t *testing.T) *Service {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Sites = []SiteConfig{{Name: "ams"}}
	cfg.MaxFiles = 2
	w := cluster.DefaultConfig()
	w.Name, w.Insecure, w.GossipAddr = "steer", true, "127.0.0.1:0"
	s, err := New(ServiceConfig{Engine: cfg, Watch: map[string]cluster.Config{"ams": w}}, Deps{Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Stop)
	s.engine.SetMembers("ams", []cluster.Member{node("ams", "ams-1")})
	return s
}

func TestHandlerErrors(t *testing.T) {
	s := newTestService(t)
	for _, c := range []struct {
		method, uri string
		status      int
		body        string
	}{
		{"GET", "/v1/steer?file=/t/a&file=/t/b", 200, `"file":"/t/b"`},
		{"HEAD", "/t/a", 302, ""},
		{"POST", "/v1/steer?file=/t/a", 405, "method not allowed"},
		{"GET", "/v1/steer", 400, `{"error":"no file`},
		{"GET", "/v1/steer?file=t/a", 400, `"error":"file \"t/a\"`},
		{"GET", "/v1/steer?file=/t/../etc/passwd", 400, "dot segments"},
		{"GET", "/v1/steer?file=/a&file=/b&file=/c", 400, "too many files"},
		{"GET", "/v1/other", 404, "the API is GET /v1/steer"},
		{"GET", "/a%2fb", 400, "bad path"},
		{"GET", "/_vt/x/a", 400, "bad path"},
	} {
		resp := serveOnce(t, s, c.method, c.uri, "192.0.2.1")
		if resp.StatusCode() != c.status || !strings.Contains(string(resp.Body()), c.body) {
			t.Errorf("%s %s: %d %s", c.method, c.uri, resp.StatusCode(), resp.Body())
		}
	}
	s.engine.SetMembers("ams", nil)
	if resp := serveOnce(t, s, "GET", "/t/a", "192.0.2.1"); resp.StatusCode() != 503 {
		t.Errorf("nothing to send to: %d %s", resp.StatusCode(), resp.Body())
	}
	if resp := serveOnce(t, s, "GET", "/v1/steer?file=/t/a", "192.0.2.1"); resp.StatusCode() != 503 || !strings.Contains(string(resp.Body()), `"outcome":"none"`) {
		t.Errorf("nothing to send to, JSON: %d %s", resp.StatusCode(), resp.Body())
	}
	if ok, detail := s.Ready(); ok || detail != "not ready; no node takes clients in ams" {
		t.Errorf("Ready = %v %q", ok, detail)
	}
}

// TestBrowserPlayersAndSiteOutcomes: a browser's request (Origin header)
// gets Access-Control-Allow-Origin, so player pages on other origins can
// read the answer; every decision is counted against the client's best
// site.
func TestBrowserPlayersAndSiteOutcomes(t *testing.T) {
	s := newTestService(t)
	var req fasthttp.Request
	req.SetRequestURI("/v1/steer?file=/t/a")
	req.Header.Set("Origin", "http://127.0.0.1:8000")
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.ParseIP("192.0.2.1"), Port: 5000}, nil)
	s.Handler()(&ctx)
	if got := string(ctx.Response.Header.Peek("Access-Control-Allow-Origin")); ctx.Response.StatusCode() != 200 || got != "*" {
		t.Fatalf("browser request: %d, Access-Control-Allow-Origin %q", ctx.Response.StatusCode(), got)
	}
	if resp := serveOnce(t, s, "GET", "/v1/steer?file=/t/a", "192.0.2.1"); len(resp.Header.Peek("Access-Control-Allow-Origin")) != 0 {
		t.Error("CORS header on a request without Origin")
	}
	s.engine.SetMembers("ams", nil)
	serveOnce(t, s, "GET", "/v1/steer?file=/t/a", "192.0.2.1")
	for outcome, want := range map[string]float64{"best": 2, "none": 1} {
		if got := testutil.ToFloat64(s.m.bySite["ams"][outcomeIndex(outcome)]); got != want {
			t.Errorf("site ams, outcome %s: %v decisions, want %v", outcome, got, want)
		}
	}
}

func outcomeIndex(name string) Outcome {
	for o := range numOutcomes {
		if o.String() == name {
			return o
		}
	}
	return numOutcomes
}
