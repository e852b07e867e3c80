package main

import (
	"bytes"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
)

// artToken is the API token of the test's controller.
const artToken = "origin-test-token-0123456789"

// artEnv is a real `vodedge origin` with one published title, for the
// operator commands that edit a title after ingest.
type artEnv struct {
	dir, base, tokens, id string
}

func newArtEnv(t *testing.T) *artEnv {
	ffmpeg := testenv.Tool(t, "ffmpeg")
	e := &artEnv{dir: t.TempDir()}
	e.tokens = filepath.Join(e.dir, "tokens")
	os.WriteFile(e.tokens, []byte(artToken+"\n"), 0o600)
	src := filepath.Join(e.dir, "film.mp4")
	writeSource(t, ffmpeg, src, "320x180", 25, 3)
	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	org := start(t, "origin", "--data", filepath.Join(e.dir, "data"), "--listen", listen, "--admin", adminAddr, "--api-token-file", e.tokens,
		"--ladder", "144p", "--preset", "ultrafast", "--segment-duration", "1s", "--workers", "2", "--ffmpeg", ffmpeg, "--ffprobe", testenv.Tool(t, "ffprobe"))
	org.waitReady(t, "http://"+adminAddr+"/readyz")
	e.base = "http://" + listen
	e.id = ingestPublished(t, e.base, e.tokens, src, e.api).ID
	return e
}

// run runs `vodedge origin ARGS… --origin … --token-file …`.
func (e *artEnv) run(t *testing.T, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(testenv.Vodedge(t), append(append([]string{"origin"}, args...), "--origin", e.base, "--token-file", e.tokens)...).CombinedOutput()
	return string(out), err
}

// api GETs path of the controller's API into out.
func (e *artEnv) api(path string, out any) int {
	code, body := testenv.Get(http.DefaultClient, e.base+path, "Authorization", testenv.Bearer(artToken))
	if code == 200 && json.Unmarshal([]byte(body), out) != nil {
		return -code
	}
	return code
}

func (e *artEnv) title(t *testing.T) catalog.Title {
	t.Helper()
	var ti catalog.Title
	if code := e.api("/v1/titles/"+e.id+"?restore=false", &ti); code != 200 {
		t.Fatalf("GET title %s: %d", e.id, code)
	}
	return ti
}

// writePNG writes a w×h PNG with a gradient and returns its bytes.
func writePNG(t *testing.T, path string, w, h int) []byte {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			img.Set(x, y, color.RGBA{uint8(x * 4), uint8(y * 4), 90, 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(path, b.Bytes(), 0o644)
	return b.Bytes()
}

// TestOriginTitleEditCommands runs `vodedge origin poster`, `markers`
// and `subtitles` against a real controller with a published title: the
// poster is served at the URL printed, markers are set, kept, shown and
// cleared, subtitle tracks are added, replaced and removed (and reach
// players through an edge without a stale mix), and bad input fails
// with the controller's or the flag's message.
func TestOriginTitleEditCommands(t *testing.T) {
	e := newArtEnv(t)
	t.Run("poster", func(t *testing.T) { testPosterCommand(t, e) })
	t.Run("markers", func(t *testing.T) { testMarkersCommand(t, e) })
	t.Run("subtitles", func(t *testing.T) { testSubtitlesCommand(t, e) })
}

func testPosterCommand(t *testing.T, e *artEnv) {
	img := filepath.Join(e.dir, "poster.png")
	want := writePNG(t, img, 64, 36)
	out, err := e.run(t, "poster", e.id, img)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(e.id) + `\t(http://\S+)\t64x36\tpublished$`).FindStringSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("poster: %v\n%s", err, out)
	}
	if code, _, body := get(t, m[1]); code != 200 || !bytes.Equal(body, want) {
		t.Errorf("GET %s: %d, %d bytes (want the %d uploaded)", m[1], code, len(body), len(want))
	}
	if p := e.title(t).Artwork.Poster; p == nil || p.Source != "upload" {
		t.Errorf("catalog poster %+v, want the upload", p)
	}
	text := filepath.Join(e.dir, "notes.txt")
	os.WriteFile(text, []byte("not a picture\n"), 0o644)
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"poster", e.id, text}, "415 unsupported media type: a poster is image/jpeg or image/png"},
		{[]string{"poster", "no-such-title", img}, "404"},
		{[]string{"poster", e.id, filepath.Join(e.dir, "missing.png")}, "missing.png: no such file"},
		{[]string{"poster", e.id}, "accepts 2 arg(s)"},
	} {
		if out, err := e.run(t, c.args...); err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: %v\n%s\nwant an error containing %q", c.args, err, out, c.want)
		}
	}
	noToken, err := exec.Command(testenv.Vodedge(t), "origin", "poster", e.id, img, "--origin", e.base).CombinedOutput()
	if err == nil || !strings.Contains(string(noToken), "401") {
		t.Errorf("poster without a token: %v\n%s", err, noToken)
	}
}

func testMarkersCommand(t *testing.T, e *artEnv) {
	if _, err := e.run(t, "markers", e.id, "--clear"); err != nil {
		t.Fatal(err)
	}
	out, err := e.run(t, "markers", e.id)
	if err != nil || strings.TrimSpace(out) != e.id+": no markers" {
		t.Fatalf("markers of a title without: %v\n%s", err, out)
	}
	out, err = e.run(t, "markers", e.id, "--intro", "0:00.5-1.25", "--credits", "0:02")
	if err != nil || !markerRow(out, "intro", "0:00.500", "0:01.250", "operator") || !markerRow(out, "credits", "0:02.000", "end", "operator") {
		t.Fatalf("set markers: %v\n%s", err, out)
	}
	out, err = e.run(t, "markers", e.id, "--credits", "2.5")
	if err != nil || !markerRow(out, "intro", "0:00.500", "0:01.250", "operator") || !markerRow(out, "credits", "0:02.500", "end", "operator") {
		t.Fatalf("set the credits, keep the intro: %v\n%s", err, out)
	}
	if m := e.title(t).Markers; m == nil || m.Intro == nil || m.Intro.End != 1.25 || m.Credits == nil || m.Credits.Start != 2.5 {
		t.Errorf("catalog markers %+v", m)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--intro", "0-1:30"}, "400 catalog: invalid: markers: intro end 90 is past the end of the title"},
		{[]string{"--intro", "2-1"}, `--intro "2-1": the end (0:01.000) is not after the start (0:02.000)`},
		{[]string{"--credits", "1:75"}, `--credits "1:75": "75": minutes and seconds after a colon are below 60`},
		{[]string{"--credits", "NaN"}, `--credits "NaN": "NaN" is not a time`},
	} {
		if out, err := e.run(t, append([]string{"markers", e.id}, c.args...)...); err == nil || !strings.Contains(out, c.want) {
			t.Errorf("markers %v: %v\n%s\nwant an error containing %q", c.args, err, out, c.want)
		}
	}
	if out, err := e.run(t, "markers", "no-such-title"); err == nil || !strings.Contains(out, "404") {
		t.Errorf("markers of an unknown title: %v\n%s", err, out)
	}
	out, err = e.run(t, "markers", e.id, "--clear", "--credits", "2")
	if err != nil || strings.Contains(out, "intro") || !markerRow(out, "credits", "0:02.000", "end", "operator") {
		t.Errorf("clear, then set the credits: %v\n%s", err, out)
	}
	out, err = e.run(t, "markers", e.id, "--clear")
	if err != nil || strings.TrimSpace(out) != e.id+": no markers" || e.title(t).Markers != nil {
		t.Errorf("clear: %v\n%s", err, out)
	}
}

// markerRow reports whether out has a row for the marker with these
// fields.
func markerRow(out, name, start, end, source string) bool {
	re := regexp.MustCompile(`(?m)^\S+\s+` + name + `\s+` + regexp.QuoteMeta(start) + `\s+` + end + `\s+` + source + `\s+1\.00$`)
	return re.MatchString(out)
}
