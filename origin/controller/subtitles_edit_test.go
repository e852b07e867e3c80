package controller_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

const (
	itSRT  = "1\n00:00:00,700 --> 00:00:02,100\nCiao dal file aggiunto\n"
	itSRT2 = "1\n00:00:01,100 --> 00:00:03,000\nSeconda versione\n"
)

// TestSubtitlesAfterIngest adds, replaces and removes subtitle tracks
// of a published title through PUT and DELETE
// /v1/titles/{id}/subtitles/{lang}: each version is published under new
// names, both manifests list exactly the title's tracks, the catalog's
// file list follows, files of a replaced version stay servable for
// players that read the old manifests, and removing the added track
// gives back the very manifests the ingest published (so the manifests
// written again are the packager's, not an approximation).
func TestSubtitlesAfterIngest(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	e := start(t, cfg, testDeps())
	src := mediatest.Make(t, t.TempDir(), mediatest.Source{Seconds: 4, Width: 320, Height: 180})
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	res, err := e.cli.Ingest(context.Background(), f, src, catalog.Metadata{Title: "Late subtitles"},
		client.Subtitle{Language: "en", FileName: "en.srt", Body: strings.NewReader(enSRT)})
	if err != nil {
		t.Fatal(err)
	}
	e.wait(res.Job.ID, pipeline.Done)
	id := res.Title.ID
	e.title(id, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	base := e.url + "/titles/" + id + "/"
	_, master0 := fetch(t, base+"master.m3u8")
	_, mpd0 := fetch(t, base+"manifest.mpd")
	api := e.url + "/v1/titles/" + id + "/subtitles/"

	checkRefusals(t, e, api)
	it1 := putTrack(t, e, api+"it", itSRT, "Ciao dal file aggiunto")
	it2 := putTrack(t, e, api+"it", itSRT2, "Seconda versione")
	if it1 == it2 {
		t.Fatalf("a new version of the Italian track kept its directory %s", it1)
	}
	if resp, body := fetch(t, base+it1+"/seg-00000.vtt"); resp.StatusCode != 200 || !strings.Contains(body, "Ciao") {
		t.Errorf("the replaced version's segment: %d %q (players holding the old master still fetch it)", resp.StatusCode, body)
	}
	title := e.title(id, func(*catalog.Title) bool { return true })
	for _, f := range title.Files {
		if strings.Contains(f.Key, "/"+it1+"/") {
			t.Errorf("the catalog still lists %s of the replaced version", f.Key)
		}
	}
	if code, body := send(t, http.MethodDelete, api+"it", "", nil); code != 200 {
		t.Fatalf("DELETE it: %d %s", code, body)
	}
	if _, m := fetch(t, base+"master.m3u8"); m != master0 {
		t.Errorf("master after removing the added track differs from the ingest's:\n%s\nwant\n%s", m, master0)
	}
	if _, m := fetch(t, base+"manifest.mpd"); m != mpd0 {
		t.Errorf("MPD after removing the added track differs from the ingest's:\n%s\nwant\n%s", m, mpd0)
	}
	if code, body := send(t, http.MethodDelete, api+"it", "", nil); code != 404 || !strings.Contains(string(body), "no it subtitles") {
		t.Errorf("DELETE of a language the title lacks: %d %s", code, body)
	}

	// A title published before its playlists were kept, on a local
	// store: they are read back from the store.
	if err := os.RemoveAll(filepath.Join(cfg.DataDir, "sources", id, "published")); err != nil {
		t.Fatal(err)
	}
	en := putTrack(t, e, api+"en", itSRT2, "Seconda versione")
	if !strings.HasPrefix(en, "subs-en.") {
		t.Errorf("the replaced English track is in %s, want subs-en.{hash}", en)
	}
	if _, m := fetch(t, base+"master.m3u8"); strings.Count(m, "TYPE=SUBTITLES") != 1 || !strings.Contains(m, `URI="`+en+`/index.m3u8"`) {
		t.Errorf("master after replacing the ingest's track:\n%s", m)
	}
	// That edit kept a copy: the next one reads it.
	if code, body := send(t, http.MethodDelete, api+"en", "", nil); code != 200 {
		t.Fatalf("DELETE en: %d %s", code, body)
	}
	if _, m := fetch(t, base+"master.m3u8"); strings.Contains(m, "TYPE=SUBTITLES") || strings.Contains(m, "SUBTITLES=") {
		t.Errorf("master without tracks:\n%s", m)
	}
	if _, err := os.Stat(filepath.Join(cfg.DataDir, "sources", id, "published", "master.m3u8")); err != nil {
		t.Errorf("no kept master after an edit: %v", err)
	}
}

// putTrack PUTs a track, checks that the catalog, both manifests (as
// the store serves them, checksums as the catalog lists them) and the
// segments carry it, and returns its directory.
func putTrack(t *testing.T, e *env, url, body, cue string) string {
	t.Helper()
	lang := url[strings.LastIndex(url, "/")+1:]
	if code, b := send(t, http.MethodPut, url, "application/x-subrip", []byte(body)); code != 200 {
		t.Fatalf("PUT %s: %d %s", url, code, b)
	}
	title := e.title(strings.Split(strings.TrimPrefix(url, e.url+"/v1/titles/"), "/")[0], func(*catalog.Title) bool { return true })
	var dir string
	for _, s := range title.Subtitles {
		if s.Language == lang {
			dir = strings.TrimSuffix(s.Playlist, "/index.m3u8")
		}
	}
	if !regexp.MustCompile(`^subs-` + lang + `\.[0-9a-f]{12}$`).MatchString(dir) {
		t.Fatalf("catalog subtitles %+v: want %s in subs-%s.{hash}", title.Subtitles, lang, lang)
	}
	base := e.url + "/titles/" + title.ID + "/"
	master := checkListed(t, title, base+"master.m3u8", `#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID="subs",NAME=`, `URI="`+dir+`/index.m3u8"`)
	if n := strings.Count(master, "TYPE=SUBTITLES"); n != len(title.Subtitles) {
		t.Errorf("master lists %d subtitle renditions, the title has %d:\n%s", n, len(title.Subtitles), master)
	}
	checkListed(t, title, base+"manifest.mpd", `lang="`+lang+`"`, "<BaseURL>"+dir+"/subtitles.vtt</BaseURL>")
	if resp, b := fetch(t, base+dir+"/seg-00000.vtt"); resp.StatusCode != 200 || !strings.Contains(b, "X-TIMESTAMP-MAP") {
		t.Errorf("segment 0 of %s: %d %q", dir, resp.StatusCode, b)
	}
	if _, b := fetch(t, base+dir+"/subtitles.vtt"); !strings.Contains(b, cue) {
		t.Errorf("%s/subtitles.vtt lacks %q: %q", dir, cue, b)
	}
	return dir
}

// checkListed fetches a manifest, checks it contains each want and
// that the catalog lists it with its served checksum; it returns it.
func checkListed(t *testing.T, title *catalog.Title, url string, want ...string) string {
	t.Helper()
	resp, body := fetch(t, url)
	for _, w := range want {
		if !strings.Contains(body, w) {
			t.Errorf("%s lacks %q:\n%s", url, w, body)
		}
	}
	name := url[strings.LastIndex(url, "/")+1:]
	for _, f := range title.Files {
		if strings.HasSuffix(f.Key, "/"+name) && strings.Count(f.Key, "/") == 2 && f.Size != int64(len(body)) {
			t.Errorf("catalog lists %s with %d bytes, the store serves %d (%s)", f.Key, f.Size, len(body), resp.Status)
		}
	}
	return body
}

// checkRefusals: bad input and titles that cannot take subtitles now.
func checkRefusals(t *testing.T, e *env, api string) {
	for _, c := range []struct {
		method, url, body string
		code              int
		want              string
	}{
		{http.MethodPut, api + "it", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03.000 --> 00:00:02.000\nbackwards\n", 422, "line 6"},
		{http.MethodPut, api + "it", "\xff\xfe not text", 422, "line 1"},
		{http.MethodPut, api + "not%20a%20tag", itSRT, 400, "BCP 47"},
		{http.MethodPut, e.url + "/v1/titles/nope/subtitles/it", itSRT, 404, ""},
		{http.MethodPut, api + "it", strings.Repeat("x", 4<<20+1), 413, "the subtitle file (it) is larger than 4194304 bytes"},
	} {
		code, body := send(t, c.method, c.url, "text/vtt", []byte(c.body))
		if code != c.code || !strings.Contains(string(body), c.want) {
			t.Errorf("%s %s: %d %s; want %d naming %q", c.method, c.url, code, body, c.code, c.want)
		}
	}
	imp, err := e.srv.Import(context.Background(), catalog.Metadata{Title: "Pre-packaged"}, origin.SampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	e.wait(imp.Job.ID, pipeline.Done)
	e.title(imp.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	code, body := send(t, http.MethodPut, e.url+"/v1/titles/"+imp.Title.ID+"/subtitles/it", "text/vtt", []byte(itSRT))
	if code != 409 || !strings.Contains(string(body), "lists no renditions") {
		t.Errorf("subtitles for an imported title: %d %s; want 409", code, body)
	}
}
