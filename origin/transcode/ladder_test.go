package transcode

import (
	"errors"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin/probe"
)

func TestParseLadder(t *testing.T) {
	cases := []struct {
		in, want string
		ok       bool
	}{
		{"720p,1080p:5000k, 480p:1.2M", "1080p:5000k,720p:3000k,480p:1200k", true},
		{"360", "360p:800k", true},
		{"500p", "500p:1332k", true},
		{"", "", false},
		{"720p,720p", "", false},
		{"721p", "", false},
		{"720p:lots", "", false},
		{"720p:1k", "", false},
		{"99999p", "", false},
	}
	for _, c := range cases {
		l, err := ParseLadder(c.in)
		if (err == nil) != c.ok {
			t.Errorf("ParseLadder(%q) err = %v", c.in, err)
			continue
		}
		if err != nil && !errors.Is(err, ErrConfig) {
			t.Errorf("ParseLadder(%q) err %v does not wrap ErrConfig", c.in, err)
		}
		if c.ok && l.String() != c.want {
			t.Errorf("ParseLadder(%q) = %s, want %s", c.in, l, c.want)
		}
	}
}

func FuzzParseLadder(f *testing.F) {
	for _, s := range []string{"2160p,1080p:6M,720p:3000k", "64p:32k", ",,,", "1e3p:1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l, err := ParseLadder(s)
		if err != nil {
			return
		}
		back, err := ParseLadder(l.String())
		if err != nil || back.String() != l.String() {
			t.Fatalf("round trip of %q: %q, %v", l, back, err)
		}
		for i, r := range l {
			if r.Height%2 != 0 || r.Bitrate < 32_000 || (i > 0 && r.Height >= l[i-1].Height) {
				t.Fatalf("bad ladder %v", l)
			}
		}
	})
}

func src(w, h int, fps float64, audio ...string) *probe.Info {
	info := &probe.Info{Duration: 4 * time.Second, Video: []probe.Stream{{Codec: "h264", Width: w, Height: h, FPS: fps}}}
	for _, lang := range audio {
		info.Audio = append(info.Audio, probe.Stream{Codec: "aac", Language: lang})
	}
	return info
}

func names(rs []Rendition) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Name)
	}
	return out
}

func TestPlan(t *testing.T) {
	cfg := DefaultConfig()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		src  *probe.Info
		want []string
		dims [][2]int
	}{
		{"1080p source drops 2160p", src(1920, 1080, 30, "und"),
			[]string{"video-h264-1080p", "video-h264-720p", "video-h264-480p", "video-h264-240p", "audio-aac-128k"},
			[][2]int{{1920, 1080}, {1280, 720}, {854, 480}, {426, 240}}},
		{"portrait keeps short side", src(720, 1280, 30),
			[]string{"video-h264-720p", "video-h264-480p", "video-h264-240p"},
			[][2]int{{720, 1280}, {480, 854}, {240, 426}}},
		{"tiny source gets its own size", src(160, 91, 25),
			[]string{"video-h264-90p"}, [][2]int{{158, 90}}},
		{"source between rungs keeps its own size on top", src(640, 360, 30),
			[]string{"video-h264-360p", "video-h264-240p"}, [][2]int{{640, 360}, {426, 240}}},
		{"source just above a rung keeps the rung as top", src(1920, 1088, 30),
			[]string{"video-h264-1080p", "video-h264-720p", "video-h264-480p", "video-h264-240p"},
			[][2]int{{1906, 1080}, {1270, 720}, {848, 480}, {424, 240}}},
		{"source above the top rung is capped", src(7680, 4320, 30),
			[]string{"video-h264-2160p", "video-h264-1080p", "video-h264-720p", "video-h264-480p", "video-h264-240p"},
			[][2]int{{3840, 2160}, {1920, 1080}, {1280, 720}, {854, 480}, {426, 240}}},
		{"two audio languages", src(426, 240, 30, "en", "fr"),
			[]string{"video-h264-240p", "audio-aac-128k-en-a0", "audio-aac-128k-fr-a1"}, [][2]int{{426, 240}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			rs, err := Plan(c.src, cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(rs); len(got) != len(c.want) || fmtSlice(got) != fmtSlice(c.want) {
				t.Fatalf("renditions %v, want %v", got, c.want)
			}
			for i, d := range c.dims {
				if rs[i].Width != d[0] || rs[i].Height != d[1] {
					t.Errorf("%s is %dx%d, want %dx%d", rs[i].Name, rs[i].Width, rs[i].Height, d[0], d[1])
				}
			}
		})
	}
}

func TestPlanHighFrameRate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Validate()
	rs, _ := Plan(src(1280, 720, 120), cfg)
	if rs[0].FPS != 60 || rs[0].Bitrate != 4_500_000 {
		t.Errorf("120 fps source: %+v", rs[0])
	}
	if got := cfg.gop(29.97); got != 120 {
		t.Errorf("gop(29.97) = %d", got)
	}
}

func fmtSlice(s []string) string {
	out := ""
	for _, x := range s {
		out += x + " "
	}
	return out
}

// TestPlanOwnRungBitrate: the rung added at a source's own size takes a
// bitrate between its neighbours in the operator's ladder.
func TestPlanOwnRungBitrate(t *testing.T) {
	cfg := DefaultConfig()
	l, err := ParseLadder("720p:1000k,240p:300k")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Ladder = l
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	rs, err := Plan(src(854, 480, 30), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if got := names(rs); fmtSlice(got) != "video-h264-480p video-h264-240p " {
		t.Fatalf("renditions %v", got)
	}
	if rs[0].Bitrate != 1_000_000 || rs[1].Bitrate != 300_000 {
		t.Errorf("bitrates %d, %d; want 1000000 (the default for 480p, 1.4M, capped by 720p's) and 300000", rs[0].Bitrate, rs[1].Bitrate)
	}
}
