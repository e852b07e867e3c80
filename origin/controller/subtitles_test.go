package controller_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/xml"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/fillplan"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

const (
	enSRT = "1\n00:00:00,500 --> 00:00:01,500\nHello from the SRT\n\n2\n00:00:02,200 --> 00:00:03,400\n<i>Second</i> English cue\n"
	frVTT = "WEBVTT\n\nNOTE made by hand\n\n00:00:01.000 --> 00:00:02.500 align:center\nBonjour du VTT\n"
	deSRT = "1\n00:00:00,300 --> 00:00:02,900\nEingebettet im Film\n"
)

// withEmbeddedSubtitles remuxes a test source with a mov_text stream
// (German) made from a SubRip file.
func withEmbeddedSubtitles(t *testing.T) string {
	dir := t.TempDir()
	src := mediatest.Make(t, dir, mediatest.Source{Seconds: 4, Width: 320, Height: 180})
	srt := filepath.Join(dir, "de.srt")
	if err := os.WriteFile(srt, []byte(deSRT), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "with-subs.mp4")
	if b, err := run(t, "ffmpeg", "-v", "error", "-i", src, "-i", srt, "-map", "0", "-map", "1", "-c", "copy", "-c:s", "mov_text",
		"-metadata:s:s:0", "language=deu", out); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, b)
	}
	return out
}

// TestSubtitlesEndToEnd ingests a source with an embedded subtitle
// stream, an SRT and a WebVTT file, and checks what players and edges
// get: the HLS subtitle renditions in the master, subtitle playlists
// ffmpeg reads over HTTP with the right cues at the right times, DASH
// text adaptation sets whose files are served as text/vtt, the catalog's
// list of languages, and every subtitle file in the site's fill
// manifest.
func TestSubtitlesEndToEnd(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	cfg := testConfig(t, t.TempDir())
	cfg.ManifestKey = priv
	cfg.Sites = []fillplan.Site{{Name: "ams", Nodes: []fillplan.Node{{Name: "ams-1", Weight: 1, Capacity: 1 << 30}}}}
	e := start(t, cfg, testDeps())
	src := withEmbeddedSubtitles(t)
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := e.cli.Ingest(context.Background(), f, src, catalog.Metadata{Title: "Subtitled"},
		client.Subtitle{Language: "en", FileName: "en.srt", Body: strings.NewReader(enSRT)},
		client.Subtitle{Language: "fr", FileName: "fr.vtt", Body: strings.NewReader(frVTT)})
	if err != nil {
		t.Fatal(err)
	}
	e.wait(res.Job.ID, pipeline.Done)
	title := e.title(res.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	checkCatalogSubtitles(t, title)
	if _, pub := fetch(t, e.url+"/public/v1/titles/"+title.ID); !strings.Contains(pub, `"subtitles":[{"language":"en","name":"English"},{"language":"fr","name":"français"},{"language":"de","name":"Deutsch"}]`) {
		t.Errorf("the public catalogue does not list the subtitle languages:\n%s", pub)
	}
	base := e.url + "/titles/" + title.ID + "/"
	checkSubtitleMaster(t, base)
	for dir, want := range map[string][]string{
		"subs-en": {"00:00.500 --> 00:01.500\nHello from the SRT", "00:02.200 --> 00:03.400\n<i>Second</i> English cue"},
		"subs-fr": {"00:01.000 --> 00:02.500\nBonjour du VTT"},
		"subs-de": {"00:00.300 --> 00:02.900\nEingebettet im Film"},
	} {
		out, err := run(t, "ffmpeg", "-v", "error", "-i", base+dir+"/index.m3u8", "-f", "webvtt", "-")
		for _, w := range want {
			if err != nil || strings.Count(out, w) != 1 {
				t.Errorf("ffmpeg reading %s/index.m3u8 over HTTP: %v; want %q once in:\n%s", dir, err, w, out)
			}
		}
	}
	checkTextSets(t, base, []string{"en", "fr", "de"})
	checkSubtitlesFilled(t, e, pub, title)
}

func checkCatalogSubtitles(t *testing.T, title *catalog.Title) {
	t.Helper()
	var got []string
	for _, s := range title.Subtitles {
		got = append(got, s.Language+"="+s.Name+"@"+s.Playlist)
	}
	want := []string{"en=English@subs-en/index.m3u8", "fr=français@subs-fr/index.m3u8", "de=Deutsch@subs-de/index.m3u8"}
	if !slices.Equal(got, want) {
		t.Errorf("catalog subtitles %v, want %v", got, want)
	}
}

func checkSubtitleMaster(t *testing.T, base string) {
	t.Helper()
	_, master := fetch(t, base+"master.m3u8")
	for _, want := range []string{
		`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="English",LANGUAGE="en",`,
		`#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME="Deutsch",LANGUAGE="de",`, `URI="subs-de/index.m3u8"`,
	} {
		if !strings.Contains(master, want) {
			t.Errorf("master lacks %q:\n%s", want, master)
		}
	}
	if n, m := strings.Count(master, "#EXT-X-STREAM-INF:"), strings.Count(master, `SUBTITLES="subs"`); n == 0 || n != m {
		t.Errorf("%d variants, %d name the subtitle group:\n%s", n, m, master)
	}
}

func checkTextSets(t *testing.T, base string, langs []string) {
	t.Helper()
	_, body := fetch(t, base+"manifest.mpd")
	var mpd struct {
		Sets []struct {
			ContentType string `xml:"contentType,attr"`
			MimeType    string `xml:"mimeType,attr"`
			Lang        string `xml:"lang,attr"`
			BaseURL     string `xml:"Representation>BaseURL"`
		} `xml:"Period>AdaptationSet"`
	}
	if err := xml.Unmarshal([]byte(body), &mpd); err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, s := range mpd.Sets {
		if s.ContentType != "text" {
			continue
		}
		got = append(got, s.Lang)
		resp, vtt := fetch(t, base+s.BaseURL)
		if s.MimeType != "text/vtt" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/vtt") || !strings.HasPrefix(vtt, "WEBVTT\n") {
			t.Errorf("text set %s: mimeType %q, file %s served as %q:\n%s", s.Lang, s.MimeType, s.BaseURL, resp.Header.Get("Content-Type"), vtt)
		}
	}
	if !slices.Equal(got, langs) {
		t.Errorf("text adaptation sets %v, want %v:\n%s", got, langs, body)
	}
}

// checkSubtitlesFilled checks that the subtitle files are files of the
// title in the catalog and in the site's signed manifest.
func checkSubtitlesFilled(t *testing.T, e *env, pub ed25519.PublicKey, title *catalog.Title) {
	t.Helper()
	code, raw := getManifest(t, e, "ams")
	if code != 200 {
		t.Fatalf("manifest: %d %s", code, raw)
	}
	m, err := manifest.Expand(bytes.NewReader(raw), pub, func(hash string) ([]manifest.File, error) {
		return indexFiles(t, e, hash)
	})
	if err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	for _, en := range m.Entries {
		keys[en.Key] = true
	}
	prefix := "/titles/" + title.ID + "/"
	for _, want := range []string{"subs-en/index.m3u8", "subs-en/seg-00000.vtt", "subs-en/seg-00001.vtt", "subs-fr/subtitles.vtt", "subs-de/index.m3u8"} {
		if !keys[prefix+want] {
			t.Errorf("the fill manifest lacks %s", want)
		}
	}
}

func fetch(t *testing.T, url string) (*http.Response, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", url, resp.StatusCode, b)
	}
	return resp, string(b)
}

// TestSubtitleUploadRejected sends bad subtitle files with an upload:
// each gets a 4xx naming the problem and its line, and nothing is kept.
func TestSubtitleUploadRejected(t *testing.T) {
	e := start(t, testConfig(t, t.TempDir()), testDeps())
	video := mediatest.Garbage(t, "", "video.mp4") // refused later; the subtitles are read first
	for _, tc := range []struct {
		name, part, body string
		after            bool // the part follows the file, as curl -F file=@… -F subtitles.xx=@… sends it
		status           int
		says             []string
	}{
		{"end before start", "subtitles.en", "1\n00:00:01,000 --> 00:00:02,000\nok\n\n2\n00:00:05,000 --> 00:00:04,000\nbad\n", false, 422, []string{"line 6", "ends (00:00:04.000) before it starts (00:00:05.000)", "subtitles.en"}},
		{"broken timestamp", "subtitles.fr", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:0x.000 --> 00:00:04.000\nbad\n", true, 422, []string{"line 6", "bad start timestamp", "subtitles.fr"}},
		{"not UTF-8", "subtitles.de", "1\n00:00:01,000 --> 00:00:02,000\nd\xe9j\xe0 vu\n", false, 422, []string{"line 3", "not UTF-8"}},
		{"bad language", "subtitles.notalanguage!", enSRT, false, 400, []string{"BCP 47"}},
		{"metadata after the file", "title", "late", true, 400, []string{"metadata must come before the file"}},
	} {
		status, msg := postRaw(t, e, video, tc.part, tc.body, tc.after)
		if status != tc.status {
			t.Errorf("%s: status %d, want %d: %s", tc.name, status, tc.status, msg)
		}
		for _, s := range tc.says {
			if !strings.Contains(msg, s) {
				t.Errorf("%s: error %q does not say %q", tc.name, msg, s)
			}
		}
	}
	left, _ := os.ReadDir(filepath.Join(e.cfg.DataDir, "uploads"))
	titles, err := e.cli.Search(context.Background(), nil)
	if len(left) != 0 || err != nil || titles.Total != 0 {
		t.Errorf("after refusals: %d uploads left, %v titles (%v)", len(left), titles, err)
	}
	// The client sends subtitles before the file: refused before the source is read.
	f, _ := os.Open(video)
	defer f.Close()
	_, err = e.cli.Ingest(context.Background(), f, video, catalog.Metadata{Title: "x"}, client.Subtitle{Language: "en", FileName: "en.srt", Body: strings.NewReader("1\n00:00:01,000 -> 00:00:02,000\nx\n")})
	var apiErr *client.APIError
	if !errors.As(err, &apiErr) || !client.IsStatus(err, 422) || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("client ingest with a bad subtitle: %v", err)
	}
}

// postRaw posts a multipart upload with one extra part before or after
// the file and returns the status and the error message.
func postRaw(t *testing.T, e *env, video, name, body string, after bool) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	extra := func() {
		w, _ := mw.CreateFormFile(name, "sub.txt")
		w.Write([]byte(body))
	}
	mw.WriteField("title", "x")
	if !after {
		extra()
	}
	data, _ := os.ReadFile(video)
	w, _ := mw.CreateFormFile("file", "video.mp4")
	w.Write(data)
	if after {
		extra()
	}
	mw.Close()
	resp, err := http.Post(e.url+"/v1/titles", mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// indexFiles fetches and verifies one index of a manifest.
func indexFiles(t *testing.T, e *env, hash string) ([]manifest.File, error) {
	code, b := get(t, e, "/v1/indexes/"+hash)
	if code != 200 {
		return nil, errors.New("index " + hash + ": " + http.StatusText(code))
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	plain, _ := io.ReadAll(zr)
	return manifest.VerifyIndex(plain, hash)
}
