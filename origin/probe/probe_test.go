package probe

import (
	"context"
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
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func prober(t *testing.T) Prober {
	return Prober{Path: testenv.Tool(t, "ffprobe")}
}

func TestProbeVideo(t *testing.T) {
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 2, Width: 320, Height: 180, FPS: 25})
	info, err := prober(t).Probe(context.Background(), src)
	if err != nil {
		t.Fatal(err)
	}
	v, ok := info.MainVideo()
	if !ok || v.Width != 320 || v.Height != 180 || v.Codec != "h264" || v.FPS != 25 {
		t.Errorf("video = %+v", v)
	}
	if len(info.Audio) != 1 || info.Audio[0].Codec != "aac" || info.Audio[0].SampleRate != 48000 {
		t.Errorf("audio = %+v", info.Audio)
	}
	if d := info.Duration; d < 1900*time.Millisecond || d > 2100*time.Millisecond {
		t.Errorf("duration = %v", d)
	}
	if info.Resolution() != "320x180" || info.Codecs() != "h264,aac" {
		t.Errorf("resolution %q codecs %q", info.Resolution(), info.Codecs())
	}
}

func TestProbeRejects(t *testing.T) {
	dir := t.TempDir()
	ffmpeg := testenv.Tool(t, "ffmpeg")
	audio := filepath.Join(dir, "tone.m4a")
	still := filepath.Join(dir, "still.png")
	for _, args := range [][]string{
		{"-f", "lavfi", "-i", "sine=d=1", audio},
		{"-f", "lavfi", "-i", "testsrc2=s=64x64:d=1", "-frames:v", "1", still},
	} {
		if out, err := exec.Command(ffmpeg, append([]string{"-v", "error", "-y"}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %s", err, out)
		}
	}
	empty := filepath.Join(dir, "empty.mp4")
	os.WriteFile(empty, nil, 0o644)
	cases := []struct{ name, path, reason string }{
		{"text", mediatest.Garbage(t, dir, "notes.mp4"), "Invalid data"},
		{"empty", empty, "Invalid data"},
		{"audio only", audio, "no video stream"},
		{"still image", still, "still image"},
		{"missing", filepath.Join(dir, "nope.mp4"), "No such file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := prober(t).Probe(context.Background(), c.path)
			if !errors.Is(err, ErrNotVideo) || !strings.Contains(err.Error(), c.reason) {
				t.Fatalf("err = %v; want ErrNotVideo mentioning %q", err, c.reason)
			}
			if strings.Contains(err.Error(), dir) {
				t.Errorf("error leaks the server path: %v", err)
			}
		})
	}
}

func TestProbeToolFailure(t *testing.T) {
	_, err := Prober{Path: filepath.Join(t.TempDir(), "no-ffprobe")}.Probe(context.Background(), "x.mp4")
	if !errors.Is(err, ErrProbe) || errors.Is(err, ErrNotVideo) {
		t.Fatalf("err = %v; want ErrProbe only", err)
	}
}

func TestParseGolden(t *testing.T) {
	data, err := os.ReadFile("testdata/source.json")
	if err != nil {
		t.Fatal(err)
	}
	info, err := Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if info.Duration != 4*time.Second || info.Resolution() != "426x240" || info.Video[0].FPS != 30 || info.Video[0].Frames != 120 {
		t.Errorf("info = %+v", info)
	}
}

func TestParseEdgeCases(t *testing.T) {
	cases := []struct {
		name, json string
		ok         bool
	}{
		{"cover art only", `{"streams":[{"codec_type":"video","width":10,"height":10,"disposition":{"attached_pic":1}},{"codec_type":"audio"}],"format":{"duration":"3"}}`, false},
		{"duration from stream", `{"streams":[{"codec_type":"video","width":10,"height":10,"duration":"2.5","avg_frame_rate":"0/0","r_frame_rate":"25/1"}],"format":{"duration":"N/A"}}`, true},
		{"no size", `{"streams":[{"codec_type":"video"}],"format":{"duration":"3"}}`, false},
		{"not json", `{"streams":`, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			info, err := Parse([]byte(c.json))
			if (err == nil) != c.ok {
				t.Fatalf("err = %v, want ok=%v", err, c.ok)
			}
			if c.ok && (info.Duration != 2500*time.Millisecond || info.Video[0].FPS != 25) {
				t.Errorf("info = %+v", info)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/source.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"streams":[{"codec_type":"video","width":1,"height":1,"avg_frame_rate":"1/0","duration":"1e308","tags":{"language":"EN"},"side_data_list":[{"rotation":-90}]}],"format":{"duration":"-1","size":"x"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		info, err := Parse(data)
		if err != nil {
			if !errors.Is(err, ErrNotVideo) && !errors.Is(err, ErrProbe) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if info.Duration <= 0 || len(info.Video) == 0 || len(info.Video)+len(info.Audio) > maxStreams {
			t.Fatalf("accepted %+v", info)
		}
	})
}

// TestParseSubtitleStreams: subtitle streams are listed with their
// language, and only text codecs count as convertible to WebVTT.
func TestParseSubtitleStreams(t *testing.T) {
	in := `{"streams":[
		{"index":0,"codec_type":"video","codec_name":"h264","width":320,"height":180,"avg_frame_rate":"25/1"},
		{"index":1,"codec_type":"subtitle","codec_name":"mov_text","tags":{"language":"deu"}},
		{"index":2,"codec_type":"subtitle","codec_name":"hdmv_pgs_subtitle","tags":{"language":"und"}}],
		"format":{"format_name":"mov","duration":"4.0"}}`
	info, err := Parse([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.Subtitle) != 2 || info.Subtitle[0].Index != 1 || info.Subtitle[0].Language != "deu" || info.Subtitle[1].Language != "" {
		t.Fatalf("subtitle streams %+v", info.Subtitle)
	}
	if !info.Subtitle[0].TextSubtitle() || info.Subtitle[1].TextSubtitle() {
		t.Errorf("text: mov_text %v, PGS %v", info.Subtitle[0].TextSubtitle(), info.Subtitle[1].TextSubtitle())
	}
}
