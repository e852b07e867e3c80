package packager

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/transcode"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestCodecFromInitSegments(t *testing.T) {
	cases := map[string]string{
		"avc1-init.mp4": "avc1.42C00D",
		"hvc1-init.mp4": "hvc1.1.6.L60.90",
		"av01-init.mp4": "av01.0.00M.08",
		"mp4a-init.mp4": AACLC,
	}
	for file, want := range cases {
		data, err := os.ReadFile(filepath.Join("testdata", file))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := Codec(data); err != nil || got != want {
			t.Errorf("%s: Codec = %q, %v; want %q", file, got, err, want)
		}
		if _, err := Codec(data[:len(data)/2]); !errors.Is(err, ErrBadInit) {
			t.Errorf("%s truncated: err = %v", file, err)
		}
	}
}

func FuzzCodec(f *testing.F) {
	for _, name := range []string{"avc1-init.mp4", "hvc1-init.mp4", "av01-init.mp4", "mp4a-init.mp4"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("\x00\x00\x00\x01moov\xff\xff\xff\xff\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Codec(data)
		if err != nil && !errors.Is(err, ErrBadInit) {
			t.Fatalf("unclassified %v", err)
		}
		if err == nil && s == "" {
			t.Fatal("empty codec string")
		}
	})
}

func TestParsePlaylist(t *testing.T) {
	data, _ := os.ReadFile("testdata/audio.m3u8")
	pl, err := ParsePlaylist(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if pl.InitURI != "init.mp4" || len(pl.Segments) != 3 || pl.Segments[0].DurationMS != 2005 || pl.DurationMS() != 4031 {
		t.Errorf("playlist = %+v", pl)
	}
	bad := map[string]string{
		"no header":      "#EXTINF:1,\nseg.m4s\n#EXT-X-ENDLIST\n",
		"not ended":      "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:1,\nseg.m4s\n",
		"traversal":      "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:1,\n../../etc/passwd\n#EXT-X-ENDLIST\n",
		"no extinf":      "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\nseg.m4s\n#EXT-X-ENDLIST\n",
		"no map":         "#EXTM3U\n#EXTINF:1,\nseg.m4s\n#EXT-X-ENDLIST\n",
		"bad duration":   "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXTINF:NaN,\nseg.m4s\n#EXT-X-ENDLIST\n",
		"absolute init":  "#EXTM3U\n#EXT-X-MAP:URI=\"/init.mp4\"\n#EXTINF:1,\nseg.m4s\n#EXT-X-ENDLIST\n",
		"empty playlist": "#EXTM3U\n#EXT-X-MAP:URI=\"init.mp4\"\n#EXT-X-ENDLIST\n",
	}
	for name, in := range bad {
		if _, err := ParsePlaylist(strings.NewReader(in)); !errors.Is(err, ErrBadPlaylist) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func FuzzParsePlaylist(f *testing.F) {
	if data, err := os.ReadFile("testdata/audio.m3u8"); err == nil {
		f.Add(string(data))
	}
	f.Add("#EXTM3U\n#EXT-X-MAP:URI=\"a\"\n#EXTINF:1e3,x\nb\n#EXT-X-ENDLIST")
	f.Fuzz(func(t *testing.T, in string) {
		pl, err := ParsePlaylist(strings.NewReader(in))
		if err != nil {
			if !errors.Is(err, ErrBadPlaylist) {
				t.Fatalf("unclassified %v", err)
			}
			return
		}
		for _, s := range pl.Segments {
			if !plainName(s.URI) || s.DurationMS < 0 {
				t.Fatalf("accepted segment %+v", s)
			}
		}
	})
}

// TestPackageRealLadder encodes two rungs and audio with real ffmpeg,
// packages them, and has ffprobe read the master playlist (every variant)
// and the DASH manifest.
func TestPackageRealLadder(t *testing.T) {
	ffprobe := testenv.Tool(t, "ffprobe")
	source := mediatest.Make(t, "", mediatest.Source{Seconds: 3, Width: 320, Height: 180})
	info, err := probe.Prober{Path: ffprobe}.Probe(context.Background(), source)
	if err != nil {
		t.Fatal(err)
	}
	enc, err := transcode.NewEncoder(context.Background(), transcode.Config{
		Ladder: transcode.Ladder{{Height: 180, Bitrate: 250_000}, {Height: 144, Bitrate: 160_000}}, SegmentDuration: time.Second,
		Preset: "ultrafast", FFmpeg: testenv.Tool(t, "ffmpeg")})
	if err != nil {
		t.Fatal(err)
	}
	plan, _ := transcode.Plan(info, enc.Config())
	dir := t.TempDir()
	for _, r := range plan {
		os.Mkdir(filepath.Join(dir, r.Name), 0o755)
		if _, err := enc.Encode(context.Background(), source, info.Duration, r, filepath.Join(dir, r.Name), nil); err != nil {
			t.Fatal(err)
		}
	}
	res, err := Package(dir, plan)
	if err != nil {
		t.Fatal(err)
	}
	checkMaster(t, dir, res)
	checkMPD(t, dir, res)
	out, err := exec.Command(ffprobe, "-v", "error", "-show_entries", "stream=codec_type,width", "-of", "csv=p=0", filepath.Join(dir, MasterFile)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "video,256") || !strings.Contains(string(out), "video,320") || !strings.Contains(string(out), "audio") {
		t.Errorf("ffprobe master: %v\n%s", err, out)
	}
	out, err = exec.Command(ffprobe, "-v", "error", "-show_entries", "stream=codec_type,width", "-of", "csv=p=0", filepath.Join(dir, MPDFile)).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "video,256") || !strings.Contains(string(out), "video,320") || !strings.Contains(string(out), "audio") {
		t.Errorf("ffprobe MPD: %v\n%s", err, out)
	}
}

func checkMaster(t *testing.T, dir string, res *Result) {
	master, _ := os.ReadFile(filepath.Join(dir, MasterFile))
	for _, want := range []string{
		`#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="aac"`, `URI="audio-aac-128k/index.m3u8"`,
		`RESOLUTION=256x144`, `RESOLUTION=320x180`, `CODECS="avc1.42C00D,mp4a.40.2"`, `,mp4a.40.2"`, "video-h264-180p/index.m3u8\n",
	} {
		if !strings.Contains(string(master), want) {
			t.Errorf("master.m3u8 lacks %q:\n%s", want, master)
		}
	}
	if strings.Index(string(master), "144p") > strings.Index(string(master), "180p") {
		t.Errorf("variants not in rising bandwidth order:\n%s", master)
	}
	for _, v := range res.Variants {
		if v.AverageBandwidth <= 0 || v.PeakBandwidth < v.AverageBandwidth || v.DurationMS < 2900 {
			t.Errorf("%s: %+v", v.Name, v)
		}
	}
}

func checkMPD(t *testing.T, dir string, res *Result) {
	data, _ := os.ReadFile(filepath.Join(dir, MPDFile))
	var m mpdRoot
	if err := xml.Unmarshal(data, &m); err != nil {
		t.Fatalf("MPD does not parse: %v\n%s", err, data)
	}
	if len(m.Periods) != 1 || len(m.Periods[0].Sets) != 2 || len(m.Periods[0].Sets[0].Representations) != 2 {
		t.Fatalf("MPD structure:\n%s", data)
	}
	for _, set := range m.Periods[0].Sets {
		for _, r := range set.Representations {
			var total int64
			for _, s := range r.Template.Timeline.S {
				total += s.D * int64(s.R+1)
			}
			if d := total - res.DurationMS; d < -100 || d > 100 {
				t.Errorf("%s: timeline sums to %d ms, title is %d ms", r.ID, total, res.DurationMS)
			}
			if _, err := os.Stat(filepath.Join(dir, r.Template.Initialization)); err != nil {
				t.Errorf("%s: initialization: %v", r.ID, err)
			}
		}
	}
}
