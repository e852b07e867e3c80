package packager

import (
	"context"
	"encoding/xml"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/transcode"
)

// encodeSmall encodes a 4 s source into one video rung and audio with
// 1 s segments, into dir.
func encodeSmall(t *testing.T, dir string) []transcode.Rendition {
	t.Helper()
	source := mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 320, Height: 180})
	info, err := probe.Prober{Path: testenv.Tool(t, "ffprobe")}.Probe(context.Background(), source)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := transcode.NewEncoder(context.Background(), transcode.Config{
		Ladder: transcode.Ladder{{Height: 180, Bitrate: 250_000}}, SegmentDuration: time.Second,
		Preset: "ultrafast", FFmpeg: testenv.Tool(t, "ffmpeg")})
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := transcode.Plan(info, enc.Config())
	for _, r := range plan {
		os.Mkdir(filepath.Join(dir, r.Name), 0o755)
		if _, err := enc.Encode(context.Background(), source, info.Duration, r, filepath.Join(dir, r.Name), nil); err != nil {
			t.Fatal(err)
		}
	}
	return plan
}

func writeTrack(t *testing.T, dir, sub, vtt string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, sub, SubtitleFile), []byte(vtt), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestPackageSubtitles packages a title with two subtitle tracks and has
// ffmpeg read them back through the master playlist and the subtitle
// playlist; the MPD gets one text adaptation set per track.
func TestPackageSubtitles(t *testing.T) {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	plan := encodeSmall(t, dir)
	writeTrack(t, dir, "subs-en", "WEBVTT\n\n00:00:00.500 --> 00:00:01.500\nfirst line\n\n00:00:02.500 --> 00:00:03.200\nsecond line\n\n")
	writeTrack(t, dir, "subs-fr", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nbonjour\n\n")
	res, err := Package(dir, plan, SubtitleTrack{Language: "en", Name: "English", Dir: "subs-en"}, SubtitleTrack{Language: "fr", Name: "Français", Dir: "subs-fr"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Subtitles) != 2 || res.Subtitles[0].Cues != 2 || res.Subtitles[0].Size == 0 {
		t.Fatalf("subtitles: %+v", res.Subtitles)
	}
	master, _ := os.ReadFile(filepath.Join(dir, MasterFile))
	for _, want := range []string{
		`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",`, `URI="subs-fr/index.m3u8"`, `,SUBTITLES="subs"`,
	} {
		if !strings.Contains(string(master), want) {
			t.Errorf("master lacks %q:\n%s", want, master)
		}
	}
	checkAligned(t, dir, res)
	out, err := exec.Command(ffmpeg, "-v", "error", "-i", filepath.Join(dir, "subs-en", "index.m3u8"), "-f", "webvtt", "-").CombinedOutput()
	// A cue crossing a segment boundary is in both segments; ffmpeg
	// reads it once, at its time.
	if err != nil || strings.Count(string(out), "00:00.500 --> 00:01.500\nfirst line\n") != 1 || !strings.Contains(string(out), "00:02.500 --> 00:03.200\nsecond line") {
		t.Errorf("ffmpeg reading the subtitle playlist: %v\n%s", err, out)
	}
	// ffmpeg's HLS demuxer (5.1) skips subtitle renditions ("Can't
	// support the subtitle"); the group must not stop it reading the rest.
	out, err = exec.Command(testenv.Tool(t, "ffprobe"), "-v", "error", "-show_entries", "stream=codec_type", "-of", "csv=p=0", filepath.Join(dir, MasterFile)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "video") || !strings.Contains(string(out), "audio") {
		t.Errorf("ffprobe master: %v\n%s", err, out)
	}
	out, err = exec.Command(testenv.Tool(t, "ffprobe"), "-v", "error", "-show_entries", "stream=codec_name", "-of", "csv=p=0", filepath.Join(dir, "subs-fr", SubtitleFile)).CombinedOutput()
	if err != nil || strings.TrimSpace(string(out)) != "webvtt" {
		t.Errorf("ffprobe of the DASH text file: %v\n%s", err, out)
	}
	checkTextSets(t, dir)
}

// checkAligned checks that the subtitle playlist has the video's
// segment durations.
func checkAligned(t *testing.T, dir string, res *Result) {
	t.Helper()
	sub, _ := os.ReadFile(filepath.Join(dir, "subs-en", "index.m3u8"))
	var want strings.Builder
	for i, s := range filterKind(res.Variants, transcode.Video)[0].Segments {
		fmt.Fprintf(&want, "#EXTINF:%.3f,\nseg-%05d.vtt\n", float64(s.DurationMS)/1000, i)
		seg, err := os.ReadFile(filepath.Join(dir, "subs-en", fmt.Sprintf("seg-%05d.vtt", i)))
		if err != nil || !strings.HasPrefix(string(seg), "WEBVTT\nX-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000\n") {
			t.Errorf("segment %d: %v %q", i, err, seg)
		}
	}
	if !strings.Contains(string(sub), want.String()) || !strings.HasSuffix(string(sub), "#EXT-X-ENDLIST\n") {
		t.Errorf("subtitle playlist:\n%s\nwant the video's segments:\n%s", sub, want.String())
	}
}

func checkTextSets(t *testing.T, dir string) {
	t.Helper()
	data, _ := os.ReadFile(filepath.Join(dir, MPDFile))
	var m mpdRoot
	if err := xml.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	var langs []string
	for _, s := range m.Periods[0].Sets {
		if s.ContentType != "text" {
			continue
		}
		if s.MimeType != "text/vtt" || s.Role == nil || s.Role.Value != "subtitle" || len(s.Representations) != 1 {
			t.Errorf("text set: %+v", s)
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, s.Representations[0].BaseURL)); err != nil {
			t.Errorf("text set %s: %v", s.Lang, err)
		}
		langs = append(langs, s.Lang)
	}
	if strings.Join(langs, ",") != "en,fr" {
		t.Errorf("text sets for %v, want en,fr:\n%s", langs, data)
	}
}
