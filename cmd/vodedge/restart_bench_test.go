package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
)

// BenchmarkRestartFirstHit fills a disk tier with 100,000 slices, then
// measures, per restart of the vodedge binary on it, the time from
// process start to the first disk hit answered, and to the eviction table
// being loaded from the index. Segment data is never scanned at start-up.
//
//	go test -run=^$ -bench=RestartFirstHit -benchtime=3x ./cmd/vodedge/
func BenchmarkRestartFirstHit(b *testing.B) {
	const objects = 100_000
	dir := b.TempDir()
	fillDisk(b, dir, objects)
	var firstHit, loaded time.Duration
	for b.Loop() {
		listen, adminAddr := testenv.FreeAddr(b), testenv.FreeAddr(b)
		start := time.Now()
		p := startProc(b, "edge", "--listen", listen, "--admin", adminAddr, "--origin", "http://127.0.0.1:1",
			"--disk-dir", dir, "--disk-bytes", "8GiB", "--disk-scrub-rate", "0", "--access-log", "off", "--log-level", "warn")
		url := "http://" + listen + "/obj/" + strconv.Itoa(objects/2) + ".m4s"
		firstHit += pollUntil(b, func() bool {
			resp, err := http.Get(url)
			if err != nil {
				return false
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			return resp.StatusCode == 200 && resp.Header.Get("X-Cache") == "HIT-DISK"
		}).Sub(start)
		loaded += pollUntil(b, func() bool {
			resp, err := http.Get("http://" + adminAddr + "/readyz")
			if err != nil {
				return false
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			return string(body) == "ready\n"
		}).Sub(start)
		p.cmd.Process.Kill()
		p.wait(b, 10*time.Second)
	}
	n := float64(b.N)
	b.ReportMetric(firstHit.Seconds()/n, "s-to-first-hit")
	b.ReportMetric(loaded.Seconds()/n, "s-to-index-loaded")
	fmt.Printf("restart with %d stored slices: first disk hit after %.3f s, eviction table loaded after %.3f s (mean of %d)\n",
		objects, firstHit.Seconds()/n, loaded.Seconds()/n, b.N)
}

// fillDisk stores n small slices through the disk tier's own API.
func fillDisk(b *testing.B, dir string, n int) {
	cfg := disktier.DefaultConfig(dir, 8<<30)
	cfg.ScrubBytesPerSec = 0
	s, err := disktier.Open(cfg, disktier.Deps{})
	if err != nil {
		b.Fatal(err)
	}
	testenv.Eventually(b, 60*time.Second, "the disk index to load", s.Loaded)
	body := make([]byte, 2048)
	for i := range n {
		w, err := s.Create(disktier.Record{Key: "/obj/" + strconv.Itoa(i) + ".m4s", Length: int64(len(body)), ObjSize: int64(len(body)), ETag: `"x"`})
		if err != nil {
			b.Fatal(err)
		}
		w.Write(body)
		if err := w.Commit(); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.Close(); err != nil {
		b.Fatal(err)
	}
}

// pollUntil returns when ok first holds. It is not testenv.Eventually:
// the time it returns is the figure this benchmark reports, so it polls
// every millisecond (Eventually's 10 ms would be up to 10 % of a
// restart's 100 ms).
func pollUntil(b *testing.B, ok func() bool) time.Time {
	deadline := time.Now().Add(60 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			b.Fatal("timed out")
		}
		time.Sleep(time.Millisecond)
	}
	return time.Now()
}
