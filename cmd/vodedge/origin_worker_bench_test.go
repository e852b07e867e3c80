package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// BenchmarkOriginWorkers (make bench-workers) ingests one generated
// 1080p title several times in one run, each into a fresh controller:
// the local engine (steps in the controller, --workers 2), and the NATS
// engine with 1 and with 2 `vodedge origin worker` processes of one slot
// each, chunked (--chunk-duration) and whole-file (--chunk-duration 0).
// It prints the wall time of each ingest (upload to published) and its
// ratio to the local engine's. WORKERS_SOURCE_SECONDS (default 60; 600
// for the 10-minute figure), WORKERS_LADDER (default
// 1080p,720p,480p,240p: the default ladder without the rung a 1080p
// source cannot fill), WORKERS_CHUNK (default 20s) and WORKERS_ROUNDS
// (default 1; each round starts one run later in the list, and the
// table gives each run's median) change it.
func BenchmarkOriginWorkers(b *testing.B) {
	secs, err := strconv.Atoi(envOr("WORKERS_SOURCE_SECONDS", "60"))
	if err != nil || secs < 1 {
		b.Fatalf("WORKERS_SOURCE_SECONDS=%q: want whole seconds", os.Getenv("WORKERS_SOURCE_SECONDS"))
	}
	rounds, err := strconv.Atoi(envOr("WORKERS_ROUNDS", "1"))
	if err != nil || rounds < 1 {
		b.Fatalf("WORKERS_ROUNDS=%q: want a count", os.Getenv("WORKERS_ROUNDS"))
	}
	ffmpeg, ffprobe := testenv.Tool(b, "ffmpeg"), testenv.Tool(b, "ffprobe")
	src := filepath.Join(b.TempDir(), "src.mp4")
	writeSource(b, ffmpeg, src, "1920x1080", 30, secs)
	enc := []string{"--ladder", envOr("WORKERS_LADDER", "1080p,720p,480p,240p"), "--preset", "veryfast", "--segment-duration", "4s"}
	tools := []string{"--ffmpeg", ffmpeg, "--ffprobe", ffprobe}
	chunk := envOr("WORKERS_CHUNK", "20s")
	runs := []workerRun{{"local", 0, chunk}, {"nats-1worker", 1, chunk}, {"nats-2workers", 2, chunk},
		{"whole-1worker", 1, "0"}, {"whole-2workers", 2, "0"}}
	wall := make([][]float64, len(runs))
	for round := range rounds {
		for k := range runs {
			i := (k + round) % len(runs)
			r := runs[i]
			b.Run(fmt.Sprintf("%s/round%d", r.name, round+1), func(b *testing.B) {
				for range b.N {
					d := ingestWith(b, src, slices.Concat(enc, []string{"--chunk-duration", r.chunk}), tools, r.workers)
					wall[i] = append(wall[i], d.Seconds())
					b.ReportMetric(d.Seconds(), "wall-s")
				}
			})
		}
	}
	fmt.Printf("one title: %d s 1920x1080 30 fps source (testsrc2), %s, chunks %s, %d round(s), medians\n",
		secs, strings.Join(enc, " "), chunk, rounds)
	local := median(wall[0])
	for i, r := range runs {
		if m := median(wall[i]); m > 0 && local > 0 {
			fmt.Printf("%-15s wall %7.1f s  %.2fx local  (runs: %s)\n", r.name, m, m/local, fmtSeconds(wall[i]))
		}
	}
}

// workerRun is one configuration BenchmarkOriginWorkers times: worker
// processes (0: the local engine) and --chunk-duration ("0": whole file).
type workerRun struct {
	name    string
	workers int
	chunk   string
}

// median is xs's middle value, the mean of the two middle ones for an
// even count.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 0 {
		return (s[n/2-1] + s[n/2]) / 2
	}
	return s[n/2]
}

func fmtSeconds(xs []float64) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.FormatFloat(x, 'f', 1, 64)
	}
	return strings.Join(parts, " ")
}

// ingestWith starts a controller (with workers worker processes on the
// NATS engine, or the local engine for 0), ingests src and returns the
// ingest's wall time.
func ingestWith(b *testing.B, src string, enc, tools []string, workers int) time.Duration {
	dir := b.TempDir()
	tokens, data := filepath.Join(dir, "tokens"), filepath.Join(dir, "data")
	os.WriteFile(tokens, []byte(workerToken+"\n"), 0o600)
	listen, adminAddr, natsAddr := testenv.FreeAddr(b), testenv.FreeAddr(b), testenv.FreeAddr(b)
	args := []string{"origin", "--data", data, "--listen", listen, "--admin", adminAddr, "--api-token-file", tokens, "--workers", "2"}
	if workers > 0 {
		args = append(args, "--engine", "nats", "--nats-listen", natsAddr, "--workers", strconv.Itoa(workers))
	}
	ctl := start(b, slices.Concat(args, enc, tools)...)
	ctl.waitReady(b, "http://"+adminAddr+"/readyz")
	for i := range workers {
		// Encoding settings come from the controller; a worker needs only its tools.
		w := start(b, append([]string{"origin", "worker", "--nats", "nats://" + natsAddr, "--data", data, "--name", fmt.Sprintf("w%d", i+1)}, tools...)...)
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
