package cache

import (
	"fmt"
	"net"
	"testing"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/accesslog"
	"github.com/vodedge/vodedge/origin"
)

// BenchmarkHandlerHit measures the handler alone (no sockets) answering a
// RAM hit: key normalization, lookup, headers, metrics and access log.
func BenchmarkHandlerHit(b *testing.B) {
	for _, size := range []int64{16 << 10, 2 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			o := newTestOrigin(b)
			o.add("/title/1080p/seg-00042.m4s", size)
			cfg := testConfig()
			cfg.SliceBytes = 4 << 20
			e := startEdge(b, cfg, httpOrigin(b, o, origin.HTTPOptions{}))
			e.srv.alog = discardLog{}
			c := client(b)
			for range 3 {
				do(b, c, "GET", e.url+"/title/1080p/seg-00042.m4s")
			}
			var req fasthttp.Request
			req.SetRequestURI("/title/1080p/seg-00042.m4s")
			var ctx fasthttp.RequestCtx
			ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1234}, nil)
			h := e.srv.Handler()
			b.ReportAllocs()
			for b.Loop() {
				ctx.Response.Reset()
				h(&ctx)
				if ctx.Response.StatusCode() != 200 || len(ctx.Response.Body()) != int(size) {
					b.Fatalf("status %d", ctx.Response.StatusCode())
				}
			}
		})
	}
}

type discardLog struct{}

func (discardLog) Log(accesslog.Record) bool { return true }
