package cache

import (
	"fmt"
	"net"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/accesslog"
	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// BenchmarkHandlerHit measures the handler alone (no sockets) answering a
// RAM hit: key normalization, lookup, headers, metrics and access log.
func BenchmarkHandlerHit(b *testing.B) {
	for _, size := range []int64{16 << 10, 2 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			cfg := testConfig()
			cfg.SliceBytes = 4 << 20
			e := warmEdge(b, cfg, size, nil)
			benchHandler(b, e, size, true, tierRAM)
		})
	}
}

// BenchmarkHandlerHitCacheStatus measures what Cache-Status costs a
// fresh RAM hit on a video path: off (the default, X-Cache alone) and on
// (--cache-status-hits, as every rfc path sends it), in the same run.
func BenchmarkHandlerHitCacheStatus(b *testing.B) {
	for _, size := range []int64{16 << 10, 2 << 20} {
		for _, on := range []bool{false, true} {
			b.Run(fmt.Sprintf("%dKiB/status=%v", size>>10, on), func(b *testing.B) {
				cfg := testConfig()
				cfg.SliceBytes, cfg.CacheStatusOnHits = 4<<20, on
				e := warmEdge(b, cfg, size, nil)
				if r := do(b, client(b), "GET", e.url+benchKey); (r.header.Get("Cache-Status") != "") != on {
					b.Fatalf("Cache-Status %q on a fresh hit with CacheStatusOnHits %v", r.header.Get("Cache-Status"), on)
				}
				benchHandler(b, e, size, true, tierRAM)
			})
		}
	}
}

// BenchmarkHandlerDiskHit measures the handler alone answering a disk
// hit with the RAM tier off: the index lookup, a pread into the body
// buffer (16 KiB) or an open and seek for sendfile (2 MiB, whose bytes
// the benchmark does not send), headers, metrics and access log. Its
// RequestCtx is made with Init, not on a TCP connection, so this is the
// path of connections without sendfile (TLS); on plain TCP every disk
// hit takes the held descriptor (sendHeld), which needs a socket.
func BenchmarkHandlerDiskHit(b *testing.B) {
	for _, size := range []int64{16 << 10, 2 << 20} {
		b.Run(fmt.Sprintf("%dKiB", size>>10), func(b *testing.B) {
			cfg := testConfig()
			cfg.RAMBytes = 0
			cfg.SliceBytes = 4 << 20
			e := warmEdge(b, cfg, size, benchDisk(b))
			benchHandler(b, e, size, size <= smallDiskRead, tierDisk)
		})
	}
}

const benchKey = "/title/1080p/seg-00042.m4s"

// warmEdge starts an edge whose tiers hold benchKey (size bytes), read
// once already so that the disk tier has verified it.
func warmEdge(b *testing.B, cfg Config, size int64, disk func(prometheus.Registerer) *disktier.Store) *edge {
	o := testenv.NewOrigin(b)
	o.PutPattern(benchKey, size)
	e := startEdgeDisk(b, cfg, httpOrigin(b, o, origin.HTTPOptions{}), disk)
	e.srv.handler.alog = discardLog{}
	c := client(b)
	do(b, c, "GET", e.url+benchKey)
	if disk != nil {
		testenv.Eventually(b, 10*time.Second, "write-through", func() bool { return e.srv.tiers.disk.Has(benchKey) })
	}
	for range 3 {
		do(b, c, "GET", e.url+benchKey)
	}
	return e
}

// benchDisk opens a disk tier that verifies only first reads.
func benchDisk(b *testing.B) func(prometheus.Registerer) *disktier.Store {
	return func(reg prometheus.Registerer) *disktier.Store {
		cfg := disktier.DefaultConfig(b.TempDir(), 256<<20)
		cfg.ScrubBytesPerSec, cfg.MinFreeBytes, cfg.VerifySample = 0, 0, 0
		s, err := disktier.Open(cfg, disktier.Deps{Registerer: reg})
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { s.Close() })
		testenv.Eventually(b, 10*time.Second, "the disk index to load", s.Loaded)
		return s
	}
}

// benchHandler runs the handler on benchKey, answered from want; inBody
// says whether the response body is in memory (else a stream the
// benchmark closes unread).
func benchHandler(b *testing.B, e *edge, size int64, inBody bool, want tier) {
	var req fasthttp.Request
	req.SetRequestURI(benchKey)
	var ctx fasthttp.RequestCtx
	ctx.Init(&req, &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1234}, nil)
	h := e.srv.Handler()
	h(&ctx)
	if got := string(ctx.Response.Header.Peek("X-Cache")); got != want.String() {
		b.Fatalf("X-Cache %q, want %q", got, want)
	}
	b.ReportAllocs()
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	cpu := threadCPU()
	for b.Loop() {
		ctx.Response.Reset()
		h(&ctx)
		if ctx.Response.StatusCode() != 200 || (inBody && len(ctx.Response.Body()) != int(size)) {
			b.Fatalf("status %d", ctx.Response.StatusCode())
		}
	}
	// The thread's CPU time per request: steadier than the wall time on
	// a machine shared with other work.
	b.ReportMetric(float64(threadCPU()-cpu)/float64(b.N), "cpu-ns/op")
	ctx.Response.Reset()
}

// threadCPU returns the CPU time the calling OS thread has used.
func threadCPU() time.Duration {
	const rusageThread = 1 // RUSAGE_THREAD (Linux)
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

type discardLog struct{}

func (discardLog) Log(accesslog.Record) bool { return true }
