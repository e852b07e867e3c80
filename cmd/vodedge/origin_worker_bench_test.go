package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// BenchmarkOriginWorkers (make bench-workers) ingests one generated
// 1080p title three times in one run, each into a fresh controller: the
// local engine (steps in the controller, --workers 2), and the NATS
// engine with 1 and with 2 `vodedge origin worker` processes of one
// slot each. It prints the wall time of each ingest (upload to
// published) and its ratio to the local engine's. WORKERS_SOURCE_SECONDS
// (default 60; 600 for the 10-minute figure), WORKERS_LADDER
// (default 1080p) and WORKERS_CHUNK (--chunk-duration, default 20s)
// change it.
func BenchmarkOriginWorkers(b *testing.B) {
	secs, err := strconv.Atoi(envOr("WORKERS_SOURCE_SECONDS", "60"))
	if err != nil || secs < 1 {
		b.Fatalf("WORKERS_SOURCE_SECONDS=%q: want whole seconds", os.Getenv("WORKERS_SOURCE_SECONDS"))
	}
	ffmpeg, ffprobe := testenv.Tool(b, "ffmpeg"), testenv.Tool(b, "ffprobe")
	src := filepath.Join(b.TempDir(), "src.mp4")
	writeSource(b, ffmpeg, src, "1920x1080", 30, secs)
	enc := []string{"--ladder", envOr("WORKERS_LADDER", "1080p"), "--preset", "veryfast", "--segment-duration", "4s",
		"--chunk-duration", envOr("WORKERS_CHUNK", "20s"), "--ffmpeg", ffmpeg, "--ffprobe", ffprobe}
	runs := []struct {
		name    string
		workers int // worker processes; 0: the local engine
	}{{"local", 0}, {"nats-1worker", 1}, {"nats-2workers", 2}}
	wall := make([]time.Duration, len(runs))
	for i, r := range runs {
		b.Run(r.name, func(b *testing.B) {
			for range b.N {
				wall[i] = ingestWith(b, src, enc, r.workers)
			}
			b.ReportMetric(wall[i].Seconds(), "wall-s")
		})
	}
	fmt.Printf("one title: %d s 1920x1080 30 fps source, %s\n", secs, strings.Join(enc[:8], " "))
	for i, r := range runs {
		if wall[i] > 0 && wall[0] > 0 {
			fmt.Printf("%-14s wall %7.1f s  %.2fx local\n", r.name, wall[i].Seconds(), wall[i].Seconds()/wall[0].Seconds())
		}
	}
}

// ingestWith starts a controller (with workers worker processes on the
// NATS engine, or the local engine for 0), ingests src and returns the
// ingest's wall time.
func ingestWith(b *testing.B, src string, enc []string, workers int) time.Duration {
	dir := b.TempDir()
	tokens, data := filepath.Join(dir, "tokens"), filepath.Join(dir, "data")
	os.WriteFile(tokens, []byte(workerToken+"\n"), 0o600)
	listen, adminAddr, natsAddr := testenv.FreeAddr(b), testenv.FreeAddr(b), testenv.FreeAddr(b)
	args := []string{"origin", "--data", data, "--listen", listen, "--admin", adminAddr, "--api-token-file", tokens, "--workers", "2"}
	if workers > 0 {
		args = append(args, "--engine", "nats", "--nats-listen", natsAddr, "--workers", strconv.Itoa(workers))
	}
	ctl := start(b, append(args, enc...)...)
	ctl.waitReady(b, "http://"+adminAddr+"/readyz")
	for i := range workers {
		w := start(b, append([]string{"origin", "worker", "--nats", "nats://" + natsAddr, "--data", data, "--name", fmt.Sprintf("w%d", i+1)}, enc...)...)
		testenv.Eventually(b, time.Minute, "worker ready", func() bool { return strings.Contains(w.stderr.String(), `msg="origin worker ready"`) })
	}
	began := time.Now()
	ing := start(b, "ingest", src, "--origin", "http://"+listen, "--token-file", tokens, "--progress", "plain")
	if err := ing.wait(b, 3*time.Hour); err != nil {
		b.Fatalf("ingest: %v\n%s\n%s\ncontroller:\n%s", err, ing.stdout, ing.stderr, ctl.stderr)
	}
	elapsed := time.Since(began)
	if !regexp.MustCompile(`(?m)^\S+\tpublished\t`).MatchString(ing.stdout.String()) {
		b.Fatalf("ingest did not publish:\n%s", ing.stdout)
	}
	return elapsed
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
