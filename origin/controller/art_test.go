package controller_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/fillplan"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// TestTitlePictures ingests a 16 s source whose first 4 s are black and
// checks what players and the browse page get: a poster picked after
// the black (not black itself, with its score and reason), a sprite
// track, a preview clip, I-frame playlists named in the master whose
// ranges start at a movie fragment, all of it published, in the public
// catalogue and in the site's fill manifest; then an uploaded poster
// replaces the picked one, and bad uploads get a 4xx naming the problem.
func TestTitlePictures(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	cfg := testConfig(t, t.TempDir())
	cfg.Thumbs.SpriteInterval = 2 * time.Second
	cfg.ManifestKey = priv
	cfg.Sites = []fillplan.Site{{Name: "ams", Nodes: []fillplan.Node{{Name: "ams-1", Weight: 1, Capacity: 1 << 30}}}}
	e := start(t, cfg, testDeps())
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 16, Width: 426, Height: 240, Black: [2]float64{0, 4}})
	res := e.ingest(src, catalog.Metadata{Title: "Dark Opening"})
	j := e.wait(res.Job.ID, pipeline.Done)
	t.Logf("step times: %s", stepTimes(j)) // artwork beside qc: two passes over the source
	id := res.Title.ID
	title := e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	a := title.Artwork
	if a.Poster == nil || a.Poster.Source != "analysis" || a.Poster.TimeSec < 4 || a.Poster.Score <= 0 || !strings.Contains(a.Poster.Reason, "black") {
		t.Fatalf("poster %+v: want one picked after the black, with a score and a reason", a.Poster)
	}
	if a.Thumbnails != "art/thumbs.vtt" || a.Preview == nil || a.Preview.StartSec < 4 || len(a.IFrames) != 3 {
		t.Fatalf("artwork %+v, preview %+v", a, a.Preview)
	}
	base := "/titles/" + id + "/"
	if luma := jpegLuma(t, e, base+a.Poster.File); luma < 50 {
		t.Errorf("the poster's mean luma is %.1f: black", luma)
	}
	checkIFrames(t, e, base)
	if code, vtt := get(t, e, base+a.Thumbnails); code != 200 || strings.Count(string(vtt), "#xywh=") != 8 || !strings.Contains(string(vtt), "--> 00:00:16.000") {
		t.Errorf("thumbs.vtt: %d\n%s", code, vtt)
	}
	checkPublicArt(t, e, id)
	checkFilled(t, e, pub, title, []string{"art/poster.jpg", "art/thumbs.vtt", "art/sprite-001.jpg", "art/preview.mp4", "video-h264-144p/iframes.m3u8"})

	checkBadPosters(t, e, id)
	png := testPNG(t, 64, 36)
	if code, body := putArt(t, e, "/v1/titles/"+id+"/poster", "image/png", png); code != 200 {
		t.Fatalf("poster upload: %d %s", code, body)
	}
	title = e.title(id, func(t *catalog.Title) bool { return t.Artwork.Poster.Source == "upload" })
	if title.Artwork.Poster.File != "art/poster-upload.png" || title.Artwork.Picked.Source != "analysis" {
		t.Fatalf("after the upload: poster %+v, picked %+v", title.Artwork.Poster, title.Artwork.Picked)
	}
	if code, got := get(t, e, base+"art/poster-upload.png"); code != 200 || !bytes.Equal(got, png) {
		t.Errorf("uploaded poster from the store: %d, %d bytes", code, len(got))
	}
	checkFilled(t, e, pub, title, []string{"art/poster-upload.png"})
}

// TestPosterUploadWhileHeld: a poster uploaded while the title waits
// for QC approval is published with it.
func TestPosterUploadWhileHeld(t *testing.T) {
	e := start(t, testConfig(t, t.TempDir()), testDeps())
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 8, Black: [2]float64{3, 5.5}})
	res := e.ingest(src, catalog.Metadata{Title: "Held"})
	e.wait(res.Job.ID, pipeline.Held)
	jpg := testJPEG(t, 96, 54)
	if code, body := putArt(t, e, "/v1/titles/"+res.Title.ID+"/poster", "image/jpeg", jpg); code != 200 {
		t.Fatalf("poster upload: %d %s", code, body)
	}
	if _, err := e.cli.Approve(context.Background(), res.Title.ID, "alice", "intentional"); err != nil {
		t.Fatal(err)
	}
	e.wait(res.Job.ID, pipeline.Done)
	title := e.title(res.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	if p := title.Artwork.Poster; p.Source != "upload" || p.Width != 96 || title.Artwork.Picked == nil {
		t.Fatalf("poster %+v, picked %+v", p, title.Artwork.Picked)
	}
	if code, got := get(t, e, "/titles/"+res.Title.ID+"/art/poster-upload.jpg"); code != 200 || !bytes.Equal(got, jpg) {
		t.Errorf("uploaded poster from the store: %d, %d bytes", code, len(got))
	}
	if _, ok := title.File("titles/" + res.Title.ID + "/art/poster-upload.jpg"); !ok {
		t.Errorf("the uploaded poster is not among the title's files")
	}
}

func checkBadPosters(t *testing.T, e *env, id string) {
	t.Helper()
	jpg := testJPEG(t, 64, 36)
	bad := []struct {
		path, ct string
		body     []byte
		code     int
		want     string
	}{
		{"/v1/titles/" + id + "/poster", "text/plain", []byte("hi"), 415, "image/jpeg or image/png"},
		{"/v1/titles/" + id + "/poster", "image/png", []byte("not an image at all"), 422, "not a JPEG or PNG"},
		{"/v1/titles/" + id + "/poster", "image/jpeg", testPNG(t, 64, 36), 422, "the body is png"},
		{"/v1/titles/" + id + "/poster", "image/png", testPNG(t, 8, 8), 422, "8x8 pixels"},
		{"/v1/titles/" + id + "/poster", "image/jpeg", jpg[:len(jpg)/2], 422, "does not decode"},
		{"/v1/titles/" + id + "/poster", "image/png", nil, 400, "empty body"},
		{"/v1/titles/nope-000000/poster", "image/png", testPNG(t, 64, 36), 404, "not found"},
	}
	for _, b := range bad {
		if code, body := putArt(t, e, b.path, b.ct, b.body); code != b.code || !strings.Contains(string(body), b.want) {
			t.Errorf("PUT %s (%s): %d %s; want %d naming %q", b.path, b.ct, code, body, b.code, b.want)
		}
	}
}

// checkIFrames: three I-frame lines in the master, and each entry of a
// playlist is a byte range that starts at a movie fragment (ffprobe's
// check that the range ends at the keyframe is in origin/thumbs).
func checkIFrames(t *testing.T, e *env, base string) {
	t.Helper()
	_, master := get(t, e, base+"master.m3u8")
	if n := strings.Count(string(master), "#EXT-X-I-FRAME-STREAM-INF:"); n != 3 || !strings.Contains(string(master), `URI="video-h264-240p/iframes.m3u8"`) {
		t.Fatalf("master has %d I-frame lines:\n%s", n, master)
	}
	code, pl := get(t, e, base+"video-h264-240p/iframes.m3u8")
	if code != 200 || !strings.Contains(string(pl), "#EXT-X-I-FRAMES-ONLY") {
		t.Fatalf("iframes.m3u8: %d\n%s", code, pl)
	}
	entries := 0
	lines := strings.Split(string(pl), "\n")
	for i, line := range lines {
		r, ok := strings.CutPrefix(line, "#EXT-X-BYTERANGE:")
		if !ok || i+1 >= len(lines) {
			continue
		}
		n, off, _ := strings.Cut(r, "@")
		start, _ := strconv.Atoi(off)
		length, _ := strconv.Atoi(n)
		got := getRange(t, e, base+"video-h264-240p/"+lines[i+1], start, start+length-1)
		if len(got) != length || string(got[4:8]) != "moof" {
			t.Errorf("entry %s %s: %d bytes, starts %q", lines[i+1], r, len(got), got[:min(8, len(got))])
		}
		entries++
	}
	if entries != 8 {
		t.Errorf("%d I-frame entries, want one per 2 s segment of 16 s", entries)
	}
}

func checkPublicArt(t *testing.T, e *env, id string) {
	t.Helper()
	code, body := get(t, e, "/public/v1/titles/"+id)
	var pt struct{ Poster, Thumbnails, Preview string }
	if err := json.Unmarshal(body, &pt); code != 200 || err != nil {
		t.Fatalf("public title: %d %v %s", code, err, body)
	}
	for url, ct := range map[string]string{pt.Poster: "image/jpeg", pt.Thumbnails: "text/vtt", pt.Preview: "video/mp4"} {
		resp, err := http.Get(e.url + url)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(url, "/titles/"+id+"/art/") || !strings.HasPrefix(resp.Header.Get("Content-Type"), ct) {
			t.Errorf("public %q: %d %s, want %s", url, resp.StatusCode, resp.Header.Get("Content-Type"), ct)
		}
	}
}

// checkFilled expands the site's manifest and looks for the files.
func checkFilled(t *testing.T, e *env, pub ed25519.PublicKey, title *catalog.Title, names []string) {
	t.Helper()
	_, raw := getManifest(t, e, "ams")
	m, err := manifest.Expand(bytes.NewReader(raw), pub, func(hash string) ([]manifest.File, error) {
		code, b := get(t, e, "/v1/indexes/"+hash)
		if code != 200 {
			return nil, fmt.Errorf("index %s: %d", hash, code)
		}
		return manifest.VerifyIndex(gunzip(t, b), hash)
	})
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, en := range m.Entries {
		have[en.Key] = true
	}
	for _, n := range names {
		if !have["/titles/"+title.ID+"/"+n] {
			t.Errorf("%s is not in the fill manifest", n)
		}
	}
}

func putArt(t *testing.T, e *env, path, ct string, body []byte) (int, []byte) {
	t.Helper()
	return send(t, http.MethodPut, e.url+path, ct, body)
}

func getRange(t *testing.T, e *env, path string, from, to int) []byte {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.url+path, nil)
	req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", from, to))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusPartialContent {
		t.Fatalf("range of %s: %d", path, resp.StatusCode)
	}
	return b
}

func jpegLuma(t *testing.T, e *env, path string) float64 {
	t.Helper()
	code, b := get(t, e, path)
	img, err := jpeg.Decode(bytes.NewReader(b))
	if code != 200 || err != nil {
		t.Fatalf("%s: %d %v", path, code, err)
	}
	y, ok := img.(*image.YCbCr)
	if !ok {
		t.Fatalf("%s is %T", path, img)
	}
	sum := 0
	for _, v := range y.Y {
		sum += int(v)
	}
	return float64(sum) / float64(len(y.Y))
}

func testImage(w, h int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range img.Pix {
		img.Pix[i] = byte(i * 13)
	}
	return img
}

func testPNG(t *testing.T, w, h int) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage(w, h)); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func testJPEG(t *testing.T, w, h int) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(w, h), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gunzip(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return plain
}
