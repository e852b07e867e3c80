package cache

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// FuzzHandler sends whole requests — any request line, target, method
// and header fields (Range, conditionals, Cache-Control, Origin, …) — to
// the edge's public handler over a file origin. It must never panic, and
// every 200 or single-range 206 it answers must carry exactly the bytes
// of one of the origin's files at the offsets it claims.
func FuzzHandler(f *testing.F) {
	dir := f.TempDir()
	files := map[int64][]byte{} // by size: every file has its own
	for name, size := range map[string]int64{"a.m4s": 100_003, "big/movie.mp4": 700_001, "p.m3u8": 77, "s.vtt": 0} {
		b := testenv.PatternBytes(0, size)
		os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755)
		os.WriteFile(filepath.Join(dir, name), b, 0o644)
		files[size] = b
	}
	org, err := origin.NewFile(dir)
	if err != nil {
		f.Fatal(err)
	}
	cfg := testConfig()
	cfg.RAMBytes, cfg.SliceBytes = 8<<20, 256<<10
	srv, err := New(cfg, Deps{Origin: org})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(ctx)
		org.Close()
	})
	for _, s := range []string{
		"GET /a.m4s HTTP/1.1\r\nHost: x\r\n\r\n",
		"GET /big/movie.mp4 HTTP/1.1\r\nHost: x\r\nRange: bytes=262000-262300,-5,0-0\r\n\r\n",
		"GET /big/movie.mp4 HTTP/1.1\r\nHost: x\r\nRange: bytes=300000-\r\nIf-Range: \"x\"\r\n\r\n",
		"HEAD /p.m3u8?token=1 HTTP/1.1\r\nHost: x\r\nIf-None-Match: *\r\n\r\n",
		"GET /s.vtt HTTP/1.1\r\nHost: x\r\nRange: bytes=0-\r\n\r\n",
		"GET /%2e%2e/a.m4s HTTP/1.1\r\nHost: x\r\n\r\n",
		"OPTIONS /a.m4s HTTP/1.1\r\nHost: x\r\nOrigin: http://p\r\nAccess-Control-Request-Method: GET\r\n\r\n",
		"GET /_vt/tok/a.m4s HTTP/1.1\r\nHost: x\r\nCache-Control: only-if-cached\r\nAuthorization: Basic x\r\n\r\n",
		"DELETE /a.m4s HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc",
		"GET http://x/a.m4s?x#y HTTP/1.0\r\nIf-Modified-Since: Sat, 01 Jan 2000 00:00:00 GMT\r\nRange: bytes=-99999999999999999999\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	remote := &net.TCPAddr{IP: net.IPv4(192, 0, 2, 1), Port: 1234}
	f.Fuzz(func(t *testing.T, raw []byte) {
		var req fasthttp.Request
		if err := req.Read(bufio.NewReader(bytes.NewReader(raw))); err != nil {
			return // fasthttp refuses it before the handler (protocolError)
		}
		var ctx fasthttp.RequestCtx
		ctx.Init(&req, remote, nil)
		srv.Handler()(&ctx)
		resp := &ctx.Response
		body := resp.Body() // drains and closes a streamed body
		st := resp.StatusCode()
		if st < 100 || st > 599 {
			t.Fatalf("status %d", st)
		}
		if !ctx.IsGet() || resp.Header.ContentLength() != len(body) {
			return // HEAD, or a response cut short (an origin error mid-body)
		}
		ct := string(resp.Header.ContentType())
		switch {
		case st == 200 && string(resp.Header.Peek("X-Cache")) != "NONE":
			if want, ok := files[int64(len(body))]; !ok || !bytes.Equal(body, want) {
				t.Fatalf("200 with %d bytes that are no file's", len(body))
			}
		case st == 206 && !strings.HasPrefix(ct, "multipart/"):
			var first, last, size int64
			if _, err := fmt.Sscanf(string(resp.Header.Peek("Content-Range")), "bytes %d-%d/%d", &first, &last, &size); err != nil {
				t.Fatalf("206 with Content-Range %q", resp.Header.Peek("Content-Range"))
			}
			want, ok := files[size]
			if !ok || last >= size || first > last || !bytes.Equal(body, want[first:last+1]) {
				t.Fatalf("206 %d-%d/%d: wrong bytes", first, last, size)
			}
		}
	})
}
