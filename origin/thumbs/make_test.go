package thumbs

import (
	"bufio"
	"context"
	"image"
	"image/jpeg"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// testConfig is DefaultConfig with a tile every 2 s (the sources are
// short) and the test's ffmpeg.
func testConfig(t *testing.T) Config {
	c := DefaultConfig()
	c.FFmpeg = testenv.Tool(t, "ffmpeg")
	c.SpriteInterval = 2 * time.Second
	return c
}

// TestMakeSkipsBlackStart runs the whole artwork pass on a 20 s source
// whose first 6 s are black: the poster is taken after the black and is
// not black itself, the preview avoids the black, the sprite track
// covers the title and its sheets have the announced size.
func TestMakeSkipsBlackStart(t *testing.T) {
	ffprobe := testenv.Tool(t, "ffprobe")
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 20, Black: [2]float64{0, 6}})
	c := testConfig(t)
	dir := t.TempDir()
	dur := 20 * time.Second
	a, err := c.Make(context.Background(), Source{Path: src, Duration: dur, Width: 426, Height: 240}, dir, func(float64) {})
	if err != nil {
		t.Fatal(err)
	}
	if a.Poster.Time < 6 || a.Poster.Score <= 0 || !strings.Contains(a.Poster.Reason, "black") {
		t.Errorf("poster %+v: want a time after the black, a score and the black rejections in the reason", a.Poster)
	}
	if luma := meanLuma(t, filepath.Join(dir, PosterFile)); luma < 50 {
		t.Errorf("poster mean luma %.1f: it is black", luma)
	}
	if a.Preview.Time < 6 || a.Preview.Length != 6 {
		t.Errorf("preview %+v: want 6 s after the black", a.Preview)
	}
	checkPreview(t, ffprobe, filepath.Join(dir, PreviewFile))
	cues := readVTT(t, filepath.Join(dir, VTTFile))
	checkCover(t, cues, dur.Seconds())
	w, h := imageSize(t, filepath.Join(dir, "sprite-001.jpg"))
	if w != 5*160 || h != 5*90 || a.Sprites.Sheets != 1 || a.Sprites.Tiles != 10 {
		t.Errorf("sheet %dx%d, sprites %+v: want 800x450, one sheet of 10 tiles", w, h, a.Sprites)
	}
}

// TestSpritesManySheets: tiles beyond one sheet go to the next sheet,
// and every cue names a sheet that exists and a tile inside it.
func TestSpritesManySheets(t *testing.T) {
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 9, NoAudio: true})
	c := testConfig(t)
	c.SpriteInterval, c.Columns, c.Rows, c.TileWidth = time.Second, 2, 2, 64
	dir := t.TempDir()
	g, err := c.MakeSprites(context.Background(), src, 9*time.Second, 426, 240, dir)
	if err != nil {
		t.Fatal(err)
	}
	if g.Tiles != 9 || g.Sheets != 3 || g.TileH != 36 {
		t.Fatalf("geometry %+v: want 9 tiles on 3 sheets, 36 px high", g)
	}
	cues := readVTT(t, filepath.Join(dir, VTTFile))
	checkCover(t, cues, 9)
	for _, c := range cues {
		file, xywh, _ := strings.Cut(c.text, "#xywh=")
		w, h := imageSize(t, filepath.Join(dir, file))
		v := ints(t, xywh)
		if v[0]+v[2] > w || v[1]+v[3] > h {
			t.Errorf("cue %q: tile outside its %dx%d sheet", c.text, w, h)
		}
	}
}

type cue struct {
	start, end float64
	text       string
}

// readVTT reads a thumbnail track: a WEBVTT header and cues of one line.
func readVTT(t *testing.T, path string) []cue {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() || sc.Text() != "WEBVTT" {
		t.Fatalf("%s does not start with WEBVTT", path)
	}
	var cues []cue
	for sc.Scan() {
		a, b, ok := strings.Cut(sc.Text(), " --> ")
		if !ok {
			continue
		}
		if !sc.Scan() {
			t.Fatal("cue without text")
		}
		cues = append(cues, cue{vttSeconds(t, a), vttSeconds(t, b), sc.Text()})
	}
	return cues
}

// checkCover: cues run back to back from 0 to dur.
func checkCover(t *testing.T, cues []cue, dur float64) {
	t.Helper()
	if len(cues) == 0 {
		t.Fatal("no cues")
	}
	at := 0.0
	for _, c := range cues {
		if c.start != at || c.end <= c.start {
			t.Fatalf("cue %+v: want a start at %.3f", c, at)
		}
		at = c.end
	}
	if at != dur {
		t.Fatalf("cues end at %.3f, the title at %.3f", at, dur)
	}
}

func vttSeconds(t *testing.T, s string) float64 {
	t.Helper()
	var h, m int
	var sec float64
	p := strings.Split(s, ":")
	if len(p) != 3 {
		t.Fatalf("bad time %q", s)
	}
	h, _ = strconv.Atoi(p[0])
	m, _ = strconv.Atoi(p[1])
	sec, _ = strconv.ParseFloat(p[2], 64)
	return float64(h*3600+m*60) + sec
}

func ints(t *testing.T, s string) []int {
	t.Helper()
	var out []int
	for _, f := range strings.Split(s, ",") {
		n, err := strconv.Atoi(f)
		if err != nil {
			t.Fatalf("bad xywh %q", s)
		}
		out = append(out, n)
	}
	if len(out) != 4 {
		t.Fatalf("bad xywh %q", s)
	}
	return out
}

func imageSize(t *testing.T, path string) (int, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	cfg, err := jpeg.DecodeConfig(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return cfg.Width, cfg.Height
}

// meanLuma decodes a JPEG and averages its Y plane.
func meanLuma(t *testing.T, path string) float64 {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := jpeg.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	y, ok := img.(*image.YCbCr)
	if !ok {
		t.Fatalf("poster is %T, want YCbCr", img)
	}
	var sum int
	for _, v := range y.Y {
		sum += int(v)
	}
	return float64(sum) / float64(len(y.Y))
}

// checkPreview: one H.264 video stream, no audio, at most 240 px high,
// about 6 s long.
func checkPreview(t *testing.T, ffprobe, path string) {
	t.Helper()
	out, err := exec.Command(ffprobe, "-v", "error", "-show_entries", "stream=codec_type,codec_name,height:format=duration", "-of", "default=nw=1", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	s := string(out)
	if strings.Count(s, "codec_type=") != 1 || !strings.Contains(s, "codec_type=video") || !strings.Contains(s, "codec_name=h264") || !strings.Contains(s, "height=240") {
		t.Errorf("preview streams:\n%s", s)
	}
	_, d, _ := strings.Cut(s, "duration=")
	if sec, _ := strconv.ParseFloat(strings.TrimSpace(d), 64); sec < 5.5 || sec > 6.5 {
		t.Errorf("preview lasts %q, want about 6 s", d)
	}
}

// TestSpritesShortTitle: a title shorter than one interval still gets
// its one tile.
func TestSpritesShortTitle(t *testing.T) {
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 3, NoAudio: true})
	c := testConfig(t)
	c.SpriteInterval = 10 * time.Second
	dir := t.TempDir()
	g, err := c.MakeSprites(context.Background(), src, 3*time.Second, 426, 240, dir)
	if err != nil {
		t.Fatal(err)
	}
	checkCover(t, readVTT(t, filepath.Join(dir, VTTFile)), 3)
	if w, h := imageSize(t, filepath.Join(dir, "sprite-001.jpg")); g.Tiles != 1 || w != 800 || h != 450 {
		t.Fatalf("%+v, sheet %dx%d", g, w, h)
	}
}
