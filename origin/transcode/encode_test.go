package transcode

import (
	"context"
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

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/probe"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// TestEncodeLadder encodes a 3 s source into two H.264 rungs, one HEVC
// rung and AAC with 1 s segments, in parallel as the pipeline does, and
// checks that every rendition probes and that keyframes fall at the same
// times (every segment start) in every video rendition.
func TestEncodeLadder(t *testing.T) {
	ffprobe := testenv.Tool(t, "ffprobe")
	source := mediatest.Make(t, "", mediatest.Source{Seconds: 3, Width: 426, Height: 240})
	info, err := probe.Prober{Path: ffprobe}.Probe(context.Background(), source)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Ladder: Ladder{{240, 300_000}, {180, 200_000}}, Codecs: []Codec{H264, HEVC},
		SegmentDuration: time.Second, Preset: "ultrafast", FFmpeg: testenv.Tool(t, "ffmpeg")}
	enc, err := NewEncoder(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := Plan(info, enc.Config())
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"video-h264-240p", "video-h264-180p", "video-hevc-240p", "video-hevc-180p", "audio-aac-128k"}
	if !slices.Equal(names(plan), want) {
		t.Fatalf("plan %v, want %v", names(plan), want)
	}
	root := t.TempDir()
	outs := encodeAll(t, enc, source, info.Duration, plan, root)
	for _, o := range outs {
		if o.Segments != 3 && o.Rendition.Kind == Video {
			t.Errorf("%s: %d segments, want 3", o.Rendition.Name, o.Segments)
		}
	}
	var first []string
	for _, r := range plan[:4] {
		keys := keyframes(t, ffprobe, filepath.Join(root, r.Name, PlaylistFile))
		if first == nil {
			first = keys
		}
		if !slices.Equal(keys, first) || !slices.Equal(keys, []string{"0.000", "1.000", "2.000"}) {
			t.Errorf("%s keyframes at %v; want 0, 1, 2 s (from the first frame) in every rendition", r.Name, keys)
		}
	}
}

func encodeAll(t *testing.T, enc *Encoder, source string, dur time.Duration, plan []Rendition, root string) []Output {
	outs := make([]Output, len(plan))
	errs := make([]error, len(plan))
	var wg sync.WaitGroup
	for i, r := range plan {
		dir := filepath.Join(root, r.Name)
		os.MkdirAll(dir, 0o755)
		wg.Go(func() {
			last := 0.0
			outs[i], errs[i] = enc.Encode(context.Background(), source, dur, r, dir, func(f float64) {
				if f < last {
					errs[i] = fmt.Errorf("progress went back from %v to %v", last, f)
				}
				last = f
			})
			if errs[i] == nil && last != 1 {
				errs[i] = fmt.Errorf("progress ended at %v", last)
			}
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", plan[i].Name, err)
		}
	}
	return outs
}

// keyframes returns the presentation times of the video keyframes of a
// rendition relative to the first one, read through its playlist (which
// also proves it decodes). Relative, because encoders with B-frames
// (x265, x264 above ultrafast) shift every timestamp by their reorder delay.
func keyframes(t *testing.T, ffprobe, playlist string) []string {
	out, err := exec.Command(ffprobe, "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=pts_time,flags", "-of", "csv=p=0", playlist).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", playlist, err)
	}
	var keys []string
	first := -1.0
	for line := range strings.Lines(string(out)) {
		pts, flags, _ := strings.Cut(strings.TrimSpace(line), ",")
		f, err := strconv.ParseFloat(pts, 64)
		if err != nil || !strings.HasPrefix(flags, "K") {
			continue
		}
		if first < 0 {
			first = f
		}
		keys = append(keys, strconv.FormatFloat(f-first, 'f', 3, 64))
	}
	return keys
}

func TestEncodeFailureAndConfig(t *testing.T) {
	ff := testenv.Tool(t, "ffmpeg")
	enc, err := NewEncoder(context.Background(), Config{FFmpeg: ff, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	r := Rendition{Name: "video-h264-240p", Kind: Video, Codec: H264, Width: 426, Height: 240, FPS: 30, Bitrate: 300_000}
	if _, err := enc.Encode(context.Background(), mediatest.Garbage(t, "", "x.mp4"), time.Second, r, t.TempDir(), nil); err == nil {
		t.Fatal("encoding garbage succeeded")
	}
	for _, bad := range []Config{{FFmpeg: ff, Preset: "turbo"}, {FFmpeg: ff, SegmentDuration: time.Minute}, {FFmpeg: "/nonexistent/ffmpeg"}} {
		if _, err := NewEncoder(context.Background(), bad); err == nil {
			t.Errorf("NewEncoder(%+v) succeeded", bad)
		}
	}
}
