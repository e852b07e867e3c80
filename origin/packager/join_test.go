package packager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/transcode"
)

// TestChunkedMatchesWhole encodes a 24 s source (2 s segments) into two
// H.264 rungs twice: whole, and as 8 s chunks joined by Join. The preset
// has B-frames, whose reorder delay is what shifts a naive chunk's
// timeline. Every segment of the joined rendition must carry the same
// packet timestamps (pts, dts, duration) as the whole encode's, start
// with a keyframe at a multiple of 2 s, and the joined title must
// package and decode as HLS and as DASH.
func TestChunkedMatchesWhole(t *testing.T) {
	ffmpeg, ffprobe := testenv.Tool(t, "ffmpeg"), testenv.Tool(t, "ffprobe")
	source := mediatest.Make(t, "", mediatest.Source{Seconds: 24, Width: 320, Height: 180})
	info, err := probe.Prober{Path: ffprobe}.Probe(context.Background(), source)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := transcode.NewEncoder(context.Background(), transcode.Config{
		Ladder:          transcode.Ladder{{Height: 180, Bitrate: 250_000}, {Height: 144, Bitrate: 160_000}},
		SegmentDuration: 2 * time.Second, ChunkDuration: 8 * time.Second,
		Preset: "veryfast", FFmpeg: ffmpeg})
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := transcode.Plan(info, enc.Config())
	chunks := transcode.Chunks(info.Duration, enc.Config())
	if len(chunks) != 3 || chunks[1].Start != 8*time.Second || chunks[2].FirstSegment != 8 || chunks[2].End != 0 {
		t.Fatalf("chunks %+v", chunks)
	}
	whole, chunked := t.TempDir(), t.TempDir()
	encodeBoth(t, enc, source, info.Duration, plan, chunks, whole, chunked)
	for _, r := range plan {
		if r.Kind != transcode.Video {
			continue
		}
		compareRendition(t, ffprobe, filepath.Join(whole, r.Name), filepath.Join(chunked, r.Name))
	}
	if _, err := Package(chunked, plan); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{MasterFile, MPDFile} {
		out, err := exec.Command(ffmpeg, "-v", "error", "-i", filepath.Join(chunked, m), "-map", "0", "-f", "null", "-").CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("decoding the joined title's %s: %v\n%s", m, err, out)
		}
	}
}

// encodeBoth encodes every rendition whole into whole/{name}, and video
// renditions as chunks joined into chunked/{name} (audio whole there too).
func encodeBoth(t *testing.T, enc *transcode.Encoder, src string, dur time.Duration, plan []transcode.Rendition, chunks []transcode.Chunk, whole, chunked string) {
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(plan))
	for _, r := range plan {
		wg.Go(func() { errs <- encodeWhole(enc, src, dur, r, filepath.Join(whole, r.Name)) })
		if r.Kind != transcode.Video {
			wg.Go(func() { errs <- encodeWhole(enc, src, dur, r, filepath.Join(chunked, r.Name)) })
			continue
		}
		wg.Go(func() { errs <- encodeChunked(enc, src, dur, r, chunks, chunked) })
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
}

func encodeWhole(enc *transcode.Encoder, src string, dur time.Duration, r transcode.Rendition, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	_, err := enc.Encode(context.Background(), src, dur, r, dir, nil)
	return err
}

func encodeChunked(enc *transcode.Encoder, src string, dur time.Duration, r transcode.Rendition, chunks []transcode.Chunk, root string) error {
	var parts []Part
	for _, ch := range chunks {
		dir := filepath.Join(root, ".chunks", r.Name, strconv.Itoa(ch.Index))
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
		if _, err := enc.EncodeChunk(context.Background(), src, dur, r, ch, dir, nil); err != nil {
			return err
		}
		parts = append(parts, Part{Dir: dir, Chunk: ch})
	}
	dir := filepath.Join(root, r.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	out, err := Join(dir, r.FPS, parts)
	if err == nil && out.Segments != 12 {
		err = fmt.Errorf("%s: joined %d segments, want 12", r.Name, out.Segments)
	}
	return err
}

// compareRendition checks the joined rendition against the whole one:
// same init.mp4, same segment names, and per segment the same packets
// (timestamps and durations, so no gap or overlap at the joins) with a
// keyframe first, presented at a multiple of the segment duration.
func compareRendition(t *testing.T, ffprobe, whole, joined string) {
	t.Helper()
	wi, _ := os.ReadFile(filepath.Join(whole, transcode.InitFile))
	ji, _ := os.ReadFile(filepath.Join(joined, transcode.InitFile))
	if len(wi) == 0 || string(wi) != string(ji) {
		t.Errorf("%s: joined init.mp4 differs from the whole encode's", joined)
	}
	wsegs, jsegs := segmentNames(t, whole), segmentNames(t, joined)
	if !slices.Equal(wsegs, jsegs) || len(wsegs) != 12 {
		t.Fatalf("segments: whole %v, joined %v", wsegs, jsegs)
	}
	var prevEnd int64 = -1
	for i, name := range jsegs {
		w := segmentPackets(t, ffprobe, filepath.Join(whole, transcode.InitFile), filepath.Join(whole, name))
		j := segmentPackets(t, ffprobe, filepath.Join(joined, transcode.InitFile), filepath.Join(joined, name))
		if !slices.Equal(w, j) {
			t.Errorf("%s %s: packets differ from the whole encode's:\nwhole  %v\njoined %v", joined, name, head(w), head(j))
			continue
		}
		first, end := spanOf(t, j)
		if !strings.HasSuffix(j[0], ",K") || first != int64(i)*2*15360 && first != int64(i)*2*90000 {
			t.Errorf("%s %s: first packet %q: want a keyframe at %d s", joined, name, j[0], 2*i)
		}
		if prevEnd >= 0 && first != prevEnd {
			t.Errorf("%s %s starts at %d, the segment before ends at %d", joined, name, first, prevEnd)
		}
		prevEnd = end
	}
	out, err := exec.Command(ffprobe, "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", filepath.Join(joined, transcode.PlaylistFile)).CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "24.0") {
		t.Errorf("joined playlist: duration %q, %v", out, err)
	}
}

func segmentNames(t *testing.T, dir string) []string {
	names, err := filepath.Glob(filepath.Join(dir, "seg-*.m4s"))
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	return names
}

// segmentPackets lists "pts,dts,duration,flags" of a segment's video
// packets in decode order, read by ffprobe from init + segment.
func segmentPackets(t *testing.T, ffprobe, init, seg string) []string {
	t.Helper()
	a, _ := os.ReadFile(init)
	b, _ := os.ReadFile(seg)
	f := filepath.Join(t.TempDir(), "s.mp4")
	if err := os.WriteFile(f, append(a, b...), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ffprobe, "-v", "error", "-select_streams", "v:0", "-show_entries", "packet=pts,dts,duration,flags", "-of", "csv=p=0", f).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", seg, err)
	}
	var pk []string
	for line := range strings.Lines(string(out)) {
		pk = append(pk, strings.TrimRight(strings.TrimSpace(line), "_"))
	}
	return pk
}

// spanOf returns the first presentation time of a segment's packets and
// the end of its last-presented frame.
func spanOf(t *testing.T, packets []string) (first, end int64) {
	first = -1
	for _, p := range packets {
		f := strings.Split(p, ",")
		pts, err1 := strconv.ParseInt(f[0], 10, 64)
		d, err2 := strconv.ParseInt(f[2], 10, 64)
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("packet %q: %v", p, err)
		}
		if first < 0 || pts < first {
			first = pts
		}
		end = max(end, pts+d)
	}
	return first, end
}

func head(s []string) []string { return s[:min(3, len(s))] }
