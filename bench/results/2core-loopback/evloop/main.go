// Throwaway prototype: how much does an own epoll loop (below fasthttp's
// parser / RequestCtx) buy over fasthttp's goroutine-per-connection server
// for small keep-alive GET hits served from memory?
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	_ "net/http/pprof"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/valyala/fasthttp"
)

var cache = map[string][]byte{}

func loadCorpus(root string) {
	var total int
	err := filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if fi.IsDir() {
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		cache["/"+filepath.ToSlash(rel)] = b
		total += len(b)
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	log.Printf("loaded %d objects, %d bytes", len(cache), total)
}

var ctMP2T = []byte("video/mp2t")

// handler is the one fasthttp.RequestHandler used by -mode bare and -mode loopctx.
func handler(ctx *fasthttp.RequestCtx) {
	body, ok := cache[string(ctx.Path())]
	if !ok {
		ctx.Error("not found", fasthttp.StatusNotFound)
		return
	}
	ctx.Response.Header.SetContentTypeBytes(ctMP2T)
	ctx.Response.SetBodyRaw(body)
}

type nopLogger struct{}

func (nopLogger) Printf(string, ...any) {}

func main() {
	mode := flag.String("mode", "bare", "bare | loop | loopctx")
	root := flag.String("root", "/work/prof/corpus", "corpus directory")
	listen := flag.String("listen", "127.0.0.1:19600", "listen address")
	pprofAddr := flag.String("pprof", "", "optional pprof listen address")
	flag.Parse()
	loadCorpus(*root)
	runtime.GC()
	if *pprofAddr != "" {
		go func() { log.Println(http.ListenAndServe(*pprofAddr, nil)) }()
	}
	if os.Getenv("EVDEBUG") != "" {
		go func() {
			var a, b runtime.MemStats
			runtime.ReadMemStats(&a)
			for {
				time.Sleep(3 * time.Second)
				runtime.ReadMemStats(&b)
				log.Printf("mallocs +%d numgc +%d", b.Mallocs-a.Mallocs, b.NumGC-a.NumGC)
				a = b
			}
		}()
	}
	log.Printf("mode %s listening on %s GOMAXPROCS=%d", *mode, *listen, runtime.GOMAXPROCS(0))
	switch *mode {
	case "bare":
		s := &fasthttp.Server{Handler: handler, Name: "x", Logger: nopLogger{}}
		log.Fatal(s.ListenAndServe(*listen))
	case "loop", "loopctx":
		host, port, ok := strings.Cut(*listen, ":")
		if !ok {
			log.Fatal("bad -listen")
		}
		var p int
		fmt.Sscan(port, &p)
		log.Fatal(runLoop(host, p, *mode == "loopctx"))
	default:
		log.Fatalf("unknown mode %q", *mode)
	}
}
