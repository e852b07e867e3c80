package controller_test

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/transcode"
)

// chunkConfig cuts video into 4 s chunks of 2 s segments, so a 12 s
// source is three chunks per video rendition.
func chunkConfig(t *testing.T, data string) *env {
	cfg := testConfig(t, data)
	cfg.Transcode.Ladder = transcode.Ladder{{Height: 240, Bitrate: 300_000}, {Height: 144, Bitrate: 150_000}}
	cfg.Transcode.ChunkDuration = 4 * time.Second
	return start(t, cfg, testDeps())
}

// TestChunkedIngestPublishes ingests a 12 s source with chunking on: the
// job has three chunk steps and a join per video rendition and one audio
// step; the title publishes with 6 segments per rendition, every file
// matching its catalog checksum, keyframes at every 2 s in both video
// renditions, and ffmpeg decodes it from the controller's HTTP server as
// HLS (master.m3u8) and as DASH (manifest.mpd).
func TestChunkedIngestPublishes(t *testing.T) {
	e := chunkConfig(t, t.TempDir())
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 12, Width: 426, Height: 240})
	res := e.ingest(src, catalog.Metadata{Title: "Chunked"})
	j := e.wait(res.Job.ID, pipeline.Done)
	var names []string
	for _, s := range j.Steps {
		names = append(names, s.Name+":"+s.Kind)
	}
	for _, want := range []string{
		"transcode/video-h264-240p/chunk-000:transcode-chunk", "transcode/video-h264-240p/chunk-002:transcode-chunk",
		"transcode/video-h264-240p:join", "transcode/video-h264-144p:join", "transcode/audio-aac-128k:transcode",
	} {
		if !slices.Contains(names, want) {
			t.Errorf("no step %s in %v", want, names)
		}
	}
	if slices.Contains(names, "transcode/video-h264-240p/chunk-003:transcode-chunk") {
		t.Errorf("a fourth chunk: %v", names)
	}
	title := e.title(res.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	checkFiles(t, e, title)
	for _, f := range title.Files {
		if strings.Contains(f.Key, ".chunks") || strings.Contains(f.Key, "/.") {
			t.Errorf("published a work file: %s", f.Key)
		}
	}
	for _, r := range title.Renditions {
		if r.Kind == string(transcode.Video) && r.Segments != 6 {
			t.Errorf("%s: %d segments, want 6", r.Name, r.Segments)
		}
	}
	base := e.url + "/titles/" + title.ID + "/"
	for _, r := range []string{"video-h264-240p", "video-h264-144p"} {
		if keys := keyTimes(t, base+r+"/index.m3u8"); !slices.Equal(keys, []string{"0.000", "2.000", "4.000", "6.000", "8.000", "10.000"}) {
			t.Errorf("%s keyframes at %v, want every 2 s from 0", r, keys)
		}
	}
	for _, m := range []string{"master.m3u8", "manifest.mpd"} {
		if out, err := run(t, "ffmpeg", "-v", "error", "-i", base+m, "-map", "0", "-f", "null", "-"); err != nil || strings.TrimSpace(out) != "" {
			t.Errorf("ffmpeg decode of %s: %v\n%s", m, err, out)
		}
	}
}

// keyTimes returns the absolute presentation times of a rendition's
// video keyframes, read by ffprobe over HTTP.
func keyTimes(t *testing.T, playlist string) []string {
	out, err := run(t, "ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", playlist)
	if err != nil {
		t.Fatalf("%s: %v\n%s", playlist, err, out)
	}
	var keys []string
	for line := range strings.Lines(out) {
		pts, flags, _ := strings.Cut(strings.TrimSpace(line), ",")
		if f, err := strconv.ParseFloat(pts, 64); err == nil && strings.HasPrefix(flags, "K") {
			keys = append(keys, strconv.FormatFloat(f, 'f', 3, 64))
		}
	}
	return keys
}

// TestCrashResumeChunked kills the controller (SIGKILL) while a chunk is
// encoding and at least one other step is finished, restarts it on the
// same data directory, and checks that the job completes, that no chunk
// finished before the crash was encoded again (same step record), that
// the interrupted one was, and that the joined title decodes.
func TestCrashResumeChunked(t *testing.T) {
	data := t.TempDir()
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 12, Width: 426, Height: 240})
	first := startChild(t, data, "CHILD_CHUNK=4s")
	f, _ := os.Open(src)
	res, err := first.cli.Ingest(context.Background(), f, src, catalog.Metadata{Title: "Chunk Crash"})
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	before := waitMidway(t, first.cli, res.Job.ID)
	first.kill()
	t.Logf("killed with %s", steps(before))
	second := startChild(t, data, "CHILD_CHUNK=4s")
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	after, err := second.cli.WaitJob(ctx, res.Job.ID, 50*time.Millisecond, nil)
	if err != nil || after.State != pipeline.Done {
		t.Fatalf("after restart: %v %s: %s", err, state(after), steps(after))
	}
	chunksDone := 0
	for _, b := range before.Steps {
		a := after.Step(b.Name)
		if b.Kind == "transcode-chunk" && b.State == pipeline.Done {
			chunksDone++
		}
		switch {
		case b.State == pipeline.Done && (a.Attempts != b.Attempts || !a.Finished.Equal(b.Finished)):
			t.Errorf("%s was done before the crash but ran again: attempts %d→%d", b.Name, b.Attempts, a.Attempts)
		case b.State == pipeline.Running && a.Attempts != b.Attempts+1:
			t.Errorf("%s was interrupted: attempts %d→%d, want one more", b.Name, b.Attempts, a.Attempts)
		}
	}
	if chunksDone == 0 {
		t.Errorf("no chunk was done at the kill: %s", steps(before))
	}
	id := res.Title.ID
	if left, _ := filepath.Glob(filepath.Join(data, "work", id, ".chunks", "*", "*")); len(left) > 0 {
		t.Errorf("chunk directories left after the joins: %v", left)
	}
	base := second.url + "/titles/" + id + "/"
	if keys := keyTimes(t, base+"video-h264-240p/index.m3u8"); !slices.Equal(keys, []string{"0.000", "2.000", "4.000", "6.000", "8.000", "10.000"}) {
		t.Errorf("keyframes after resume at %v", keys)
	}
	if out, err := run(t, "ffmpeg", "-v", "error", "-i", base+"master.m3u8", "-map", "0", "-f", "null", "-"); err != nil || strings.TrimSpace(out) != "" {
		t.Errorf("decode after resume: %v\n%s", err, out)
	}
}
