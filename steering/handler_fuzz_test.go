package steering

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"net/netip"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/steering/cluster"
)

// FuzzHandler sends whole requests to steering's public handler: any
// method, target (paths, repeated file= arguments, escapes) and header
// fields (X-Forwarded-For from a trusted proxy). It must never panic;
// every answer has a known status, and a 200 from /v1/steer or /v1/site
// is JSON.
func FuzzHandler(f *testing.F) {
	cfg := DefaultConfig()
	cfg.Sites = []SiteConfig{{Name: "ams"}}
	cfg.MaxFiles, cfg.OriginURL = 4, "https://origin.example.net"
	w := cluster.DefaultConfig()
	w.Name, w.Insecure, w.GossipAddr = "steer-fuzz", true, "127.0.0.1:0"
	cfg.TrustedProxies = append(cfg.TrustedProxies, netip.MustParsePrefix("127.0.0.0/8"))
	s, err := New(ServiceConfig{Engine: cfg, Watch: map[string]cluster.Config{"ams": w}}, Deps{Registerer: prometheus.NewRegistry()})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(s.Stop)
	s.engine.SetMembers("ams", []cluster.Member{node("ams", "ams-1"), node("ams", "ams-2")})
	for _, r := range []string{
		"GET /v1/steer?file=/t/a.m4s&file=/t/b.m3u8 HTTP/1.1\r\nHost: s\r\nX-Forwarded-For: 10.1.2.3, 127.0.0.1\r\n\r\n",
		"GET /titles/t1/master.m3u8 HTTP/1.1\r\nHost: s\r\nOrigin: https://player.example\r\n\r\n",
		"HEAD /v1/steer?file=%2e%2e HTTP/1.1\r\nHost: s\r\n\r\n",
		"GET /v1/steer?file=&file=/a?b#c HTTP/1.1\r\nHost: s\r\nX-Forwarded-For: ::ffff:10.0.0.1\r\n\r\n",
		"POST /v1/nope HTTP/1.1\r\nHost: s\r\nContent-Length: 0\r\n\r\n",
		"GET /\xff\xfe HTTP/1.1\r\nHost: s\r\n\r\n",
		"GET /v1/site HTTP/1.1\r\nHost: s\r\nX-Forwarded-For: 10.1.2.3\r\n\r\n",
	} {
		f.Add([]byte(r))
	}
	known := map[int]bool{200: true, 302: true, 400: true, 404: true, 405: true, 503: true}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var req fasthttp.Request
		if err := req.Read(bufio.NewReader(bytes.NewReader(raw))); err != nil {
			return
		}
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}, nil)
		s.Handler()(&ctx)
		st := ctx.Response.StatusCode()
		if !known[st] {
			t.Fatalf("status %d for %q", st, raw)
		}
		if st == 200 && ctx.IsGet() && bytes.HasPrefix(ctx.Path(), []byte("/v1/s")) && !json.Valid(ctx.Response.Body()) {
			t.Fatalf("200 with invalid JSON %q", ctx.Response.Body())
		}
	})
}
