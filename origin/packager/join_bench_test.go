package packager

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/transcode"
)

// BenchmarkChunkedEncode encodes one generated 1080p source (testsrc2 +
// sine; VODEDGE_BENCH_CHUNK_SECONDS long, default 600) with the ladder
// VODEDGE_BENCH_CHUNK_LADDER (default 1080p,720p) plus AAC, four ways:
// whole-file and chunked (2 min chunks, 4 s segments, veryfast), each
// with 1 and with 2 workers. A worker is a slot that runs one step at a
// time as its own ffmpeg process, which is what the controller's
// pipeline does with Workers = N: "2 workers" means at most two ffmpeg
// processes encoding at once. Whole-file steps are one per rendition;
// chunked steps are one per chunk of each video rendition plus one for
// audio, then a join per rendition. It prints wall times and each one's
// ratio to whole-file with 1 worker, measured in the same run. Run it
// with make bench-chunks (about half an hour on two cores).
func BenchmarkChunkedEncode(b *testing.B) {
	secs := envInt("VODEDGE_BENCH_CHUNK_SECONDS", 600)
	ladder, err := transcode.ParseLadder(envString("VODEDGE_BENCH_CHUNK_LADDER", "1080p,720p"))
	if err != nil {
		b.Fatal(err)
	}
	source := mediatest.Make(b, "", mediatest.Source{Seconds: float64(secs), Width: 1920, Height: 1080})
	info, err := probe.Prober{Path: testenv.Tool(b, "ffprobe")}.Probe(context.Background(), source)
	if err != nil {
		b.Fatal(err)
	}
	enc, err := transcode.NewEncoder(context.Background(), transcode.Config{Ladder: ladder, Preset: "veryfast",
		SegmentDuration: 4 * time.Second, ChunkDuration: 2 * time.Minute, FFmpeg: testenv.Tool(b, "ffmpeg")})
	if err != nil {
		b.Fatal(err)
	}
	plan, _ := transcode.Plan(info, enc.Config())
	bj := benchJob{enc: enc, src: source, dur: info.Duration, plan: plan}
	wall := map[string]time.Duration{}
	for _, mode := range []string{"whole", "chunked"} {
		for _, workers := range []int{1, 2} {
			name := fmt.Sprintf("%s-%dworkers", mode, workers)
			b.Run(name, func(b *testing.B) {
				for range b.N {
					wall[name] = bj.run(b, mode == "chunked", workers)
				}
				b.ReportMetric(wall[name].Seconds(), "wall-s")
			})
		}
	}
	base := wall["whole-1workers"]
	fmt.Printf("source %d s 1920x1080 30 fps, ladder %s + AAC, %d chunks of 2 min per video rendition\n", secs, ladder, len(transcode.Chunks(info.Duration, enc.Config())))
	for _, name := range []string{"whole-1workers", "whole-2workers", "chunked-1workers", "chunked-2workers"} {
		if w, ok := wall[name]; ok && base > 0 {
			fmt.Printf("%-18s wall %7.1f s  %.2fx whole-1workers\n", name, w.Seconds(), w.Seconds()/base.Seconds())
		}
	}
}

type benchJob struct {
	enc  *transcode.Encoder
	src  string
	dur  time.Duration
	plan []transcode.Rendition
}

// run encodes the plan into a fresh directory with a pool of workers and
// returns the wall time, joins included.
func (j benchJob) run(b *testing.B, chunked bool, workers int) time.Duration {
	root := b.TempDir()
	var steps []func() error
	var joins []func() error
	for _, r := range j.plan {
		chunks := transcode.Chunks(j.dur, j.enc.Config())
		if !chunked || r.Kind != transcode.Video || chunks == nil {
			steps = append(steps, func() error { return encodeWhole(j.enc, j.src, j.dur, r, filepath.Join(root, r.Name)) })
			continue
		}
		var parts []Part
		for _, ch := range chunks {
			dir := filepath.Join(root, ".chunks", r.Name, strconv.Itoa(ch.Index))
			parts = append(parts, Part{Dir: dir, Chunk: ch})
			steps = append(steps, func() error {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					return err
				}
				_, err := j.enc.EncodeChunk(context.Background(), j.src, j.dur, r, ch, dir, nil)
				return err
			})
		}
		joins = append(joins, func() error {
			dir := filepath.Join(root, r.Name)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			_, err := Join(dir, r.FPS, parts)
			return err
		})
	}
	start := time.Now()
	if err := pool(workers, steps); err != nil {
		b.Fatal(err)
	}
	if err := pool(1, joins); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// pool runs steps in order with at most n at once.
func pool(n int, steps []func() error) error {
	next := make(chan func() error)
	errs := make(chan error, len(steps))
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			for step := range next {
				errs <- step()
			}
		})
	}
	for _, s := range steps {
		next <- s
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func envString(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
