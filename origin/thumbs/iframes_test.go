package thumbs

import (
	"bytes"
	"context"
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/transcode"
)

// encode makes a real H.264 rendition of a 6 s source with 1 s
// segments, as the controller's transcode step does.
func encode(t *testing.T) string {
	t.Helper()
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 6, NoAudio: true})
	enc, err := transcode.NewEncoder(context.Background(), transcode.Config{Ladder: transcode.Ladder{{Height: 240, Bitrate: 300_000}},
		Codecs: []transcode.Codec{transcode.H264}, SegmentDuration: time.Second, Preset: "ultrafast", FFmpeg: testenv.Tool(t, "ffmpeg")})
	if err != nil {
		t.Fatal(err)
	}
	r := transcode.Rendition{Name: "v", Kind: transcode.Video, Codec: transcode.H264, Width: 426, Height: 240, FPS: 30, Bitrate: 300_000}
	dir := filepath.Join(t.TempDir(), "v")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := enc.Encode(context.Background(), src, 6*time.Second, r, dir, func(float64) {}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestIFramePlaylist writes the I-frame playlist of a real rendition
// and checks each entry against ffprobe's own reading of its segment:
// the range starts at the segment's moof and ends exactly where the
// first packet ends, and that packet is a keyframe.
func TestIFramePlaylist(t *testing.T) {
	ffprobe := testenv.Tool(t, "ffprobe")
	dir := encode(t)
	res, err := WriteIFrames(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Entries) != 6 || res.PeakBandwidth < res.AverageBandwidth || res.AverageBandwidth <= 0 {
		t.Fatalf("%d entries, bandwidth %d/%d: want 6 entries and peak ≥ average > 0", len(res.Entries), res.PeakBandwidth, res.AverageBandwidth)
	}
	pl, err := os.ReadFile(filepath.Join(dir, IFramesFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, tag := range []string{"#EXT-X-I-FRAMES-ONLY", `#EXT-X-MAP:URI="init.mp4"`, "#EXT-X-ENDLIST"} {
		if !bytes.Contains(pl, []byte(tag)) {
			t.Errorf("playlist lacks %s:\n%s", tag, pl)
		}
	}
	init, err := os.ReadFile(filepath.Join(dir, transcode.InitFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range playlistRanges(t, string(pl)) {
		pos, size, key := firstPacket(t, ffprobe, init, filepath.Join(dir, e.URI))
		seg, _ := os.ReadFile(filepath.Join(dir, e.URI))
		if !key || e.Offset+e.Length != pos+size || string(seg[e.Offset+4:e.Offset+8]) != "moof" {
			t.Errorf("%s: range %d@%d; ffprobe's first packet at %d, %d bytes, key %v", e.URI, e.Length, e.Offset, pos, size, key)
		}
	}
}

// playlistRanges reads the entries back from the playlist text.
func playlistRanges(t *testing.T, pl string) []IFrame {
	var out []IFrame
	var cur IFrame
	for line := range strings.Lines(pl) {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "#EXT-X-BYTERANGE:"):
			n, off, _ := strings.Cut(strings.TrimPrefix(line, "#EXT-X-BYTERANGE:"), "@")
			cur.Length, _ = strconv.ParseInt(n, 10, 64)
			cur.Offset, _ = strconv.ParseInt(off, 10, 64)
		case line != "" && !strings.HasPrefix(line, "#"):
			cur.URI = line
			out = append(out, cur)
			cur = IFrame{}
		}
	}
	if len(out) == 0 {
		t.Fatal("no entries in the playlist")
	}
	return out
}

// firstPacket asks ffprobe where the first video packet of init+seg
// lies within seg and whether it is a keyframe.
func firstPacket(t *testing.T, ffprobe string, init []byte, seg string) (pos, size int64, key bool) {
	t.Helper()
	body, err := os.ReadFile(seg)
	if err != nil {
		t.Fatal(err)
	}
	whole := filepath.Join(t.TempDir(), "whole.mp4")
	if err := os.WriteFile(whole, append(append([]byte{}, init...), body...), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(ffprobe, "-v", "error", "-select_streams", "v", "-read_intervals", "%+#1",
		"-show_entries", "packet=pos,size,flags", "-of", "csv=p=0", whole).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", seg, err)
	}
	f := strings.Split(strings.TrimSpace(strings.SplitN(string(out), "\n", 2)[0]), ",")
	if len(f) != 3 {
		t.Fatalf("ffprobe said %q", out)
	}
	size, _ = strconv.ParseInt(f[0], 10, 64)
	pos, _ = strconv.ParseInt(f[1], 10, 64)
	return pos - int64(len(init)), size, strings.HasPrefix(f[2], "K")
}

// TestKeyframeRangeRefuses: a segment whose first sample is flagged
// non-sync, or that is cut short, is refused rather than listed.
func TestKeyframeRangeRefuses(t *testing.T) {
	dir := encode(t)
	seg, err := os.ReadFile(filepath.Join(dir, "seg-00001.m4s"))
	if err != nil {
		t.Fatal(err)
	}
	off, n, err := KeyframeRange(bytes.NewReader(seg), int64(len(seg)))
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := KeyframeRange(bytes.NewReader(seg[:off+n-1]), off+n-1); err == nil {
		t.Error("a segment cut inside its first sample: want an error")
	}
	nonSync := markNonSync(t, seg)
	if _, _, err := KeyframeRange(bytes.NewReader(nonSync), int64(len(nonSync))); err == nil || !strings.Contains(err.Error(), "not a sync sample") {
		t.Errorf("first sample marked non-sync: got %v", err)
	}
}

// markNonSync sets sample_is_non_sync_sample in tfhd's default sample
// flags, which ffmpeg's segments carry (the first-sample flags of trun
// take precedence when present, so the test clears those too).
func markNonSync(t *testing.T, seg []byte) []byte {
	t.Helper()
	out := append([]byte{}, seg...)
	i := bytes.Index(out, []byte("tfhd"))
	j := bytes.Index(out, []byte("trun"))
	if i < 0 || j < 0 {
		t.Fatal("no tfhd or trun")
	}
	flags := binary.BigEndian.Uint32(out[i+4:]) & 0xffffff
	if flags != 0x020038 {
		t.Skipf("tfhd flags %#x: this test knows ffmpeg's 0x020038 layout", flags)
	}
	// version/flags, track_ID, duration, size, then default flags.
	p := i + 4 + 4 + 4 + 4 + 4
	binary.BigEndian.PutUint32(out[p:], binary.BigEndian.Uint32(out[p:])|sampleNonSync)
	tr := binary.BigEndian.Uint32(out[j+4:]) & 0xffffff
	if tr&0x4 != 0 { // first_sample_flags after sample_count and data_offset
		q := j + 4 + 4 + 4
		if tr&0x1 != 0 {
			q += 4
		}
		binary.BigEndian.PutUint32(out[q:], binary.BigEndian.Uint32(out[q:])|sampleNonSync)
	}
	return out
}

// TestAddToMaster: the lines are added once, whatever the re-runs.
func TestAddToMaster(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.m3u8")
	master := "#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nv/index.m3u8\n"
	if err := os.WriteFile(path, []byte(master), 0o644); err != nil {
		t.Fatal(err)
	}
	s := StreamInf{Rendition: "v", Codecs: "avc1.64001e", Width: 426, Height: 240, IFrames: &IFrames{PeakBandwidth: 9, AverageBandwidth: 5}}
	for range 2 {
		if err := AddToMaster(path, []StreamInf{s}); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(path)
	want := master + `#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=9,AVERAGE-BANDWIDTH=5,CODECS="avc1.64001e",RESOLUTION=426x240,URI="v/iframes.m3u8"` + "\n"
	if string(got) != want {
		t.Fatalf("master:\n%s\nwant:\n%s", got, want)
	}
}
