package main

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

func testSubtitlesCommand(t *testing.T, e *artEnv) {
	write := func(name, body string) string {
		p := filepath.Join(e.dir, name)
		os.WriteFile(p, []byte(body), 0o644)
		return p
	}
	en1 := write("en1.srt", "1\n00:00:00,400 --> 00:00:01,600\nFirst English version\n")
	en2 := write("en2.srt", "1\n00:00:00,400 --> 00:00:01,600\nSecond English version\n")
	fr := write("fr.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nBonjour\n")
	bad := write("bad.vtt", "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nok\n\n00:00:03.000 --> 00:00:02.000\nbackwards\n")

	out, err := e.run(t, "subtitles", e.id)
	if err != nil || strings.TrimSpace(out) != e.id+": no subtitles" {
		t.Fatalf("subtitles of a title without: %v\n%s", err, out)
	}
	out, err = e.run(t, "subtitles", e.id, "en="+en1, "fr="+fr)
	enDir1 := trackDir(out, "en", "English", 1)
	if err != nil || enDir1 == "" || trackDir(out, "fr", "français", 1) == "" {
		t.Fatalf("add en and fr: %v\n%s", err, out)
	}
	edge := startEdgeOn(t, e.base)
	title := edge + "/titles/" + e.id + "/"
	if code, _, b := get(t, title+enDir1+"/seg-00000.vtt"); code != 200 || !strings.Contains(string(b), "First English") {
		t.Fatalf("first version through the edge: %d %q", code, b)
	}

	out, err = e.run(t, "subtitles", e.id, "en="+en2, "--delete", "fr")
	enDir2 := trackDir(out, "en", "English", 1)
	if err != nil || enDir2 == "" || enDir2 == enDir1 || strings.Contains(out, "français") {
		t.Fatalf("replace en, delete fr: %v\n%s", err, out)
	}
	// The edge keeps the master for seconds: once it lists the new
	// version, the new version's files are what it serves; the old
	// version, cached as immutable, is still whole under its own names.
	testenv.Eventually(t, 60*time.Second, "the edge's master lists the new English track only", func() bool {
		_, _, m := get(t, title+"master.m3u8")
		return strings.Contains(string(m), enDir2+"/index.m3u8") && strings.Count(string(m), "TYPE=SUBTITLES") == 1
	})
	if code, _, b := get(t, title+enDir2+"/seg-00000.vtt"); code != 200 || !strings.Contains(string(b), "Second English") {
		t.Errorf("new version through the edge: %d %q", code, b)
	}
	if code, _, b := get(t, title+enDir1+"/seg-00000.vtt"); code != 200 || !strings.Contains(string(b), "First English") {
		t.Errorf("old version through the edge: %d %q", code, b)
	}
	if _, _, mpd := get(t, title+"manifest.mpd"); !strings.Contains(string(mpd), enDir2+"/subtitles.vtt") || strings.Contains(string(mpd), `lang="fr"`) {
		t.Errorf("the edge's MPD after the edit:\n%s", mpd)
	}

	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"subtitles", e.id, "de=" + bad}, "422"},
		{[]string{"subtitles", e.id, "de=" + bad}, "line 6"},
		{[]string{"subtitles", e.id, "de"}, "want LANG=FILE"},
		{[]string{"subtitles", e.id, "--delete", "de"}, "404"},
		{[]string{"subtitles", "no-such-title", "de=" + fr}, "404"},
	} {
		if out, err := e.run(t, c.args...); err == nil || !strings.Contains(out, c.want) {
			t.Errorf("%v: %v\n%s\nwant an error containing %q", c.args, err, out, c.want)
		}
	}
}

// trackDir finds the row of a track in `origin subtitles` output and
// returns its directory (subs-{lang}.{hash}), "" if absent.
func trackDir(out, lang, name string, cues int) string {
	m := regexp.MustCompile(`(?m)^\S+\s+` + lang + `\s+` + name + `\s+` + `(\d+)\s+(subs-` + lang + `\.[0-9a-f]{12})/index\.m3u8$`).FindStringSubmatch(out)
	if m == nil || m[1] != strconv.Itoa(cues) {
		return ""
	}
	return m[2]
}

// startEdgeOn starts an edge that pulls from the controller at origin
// and returns its base URL.
func startEdgeOn(t *testing.T, origin string) string {
	addr, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	edge := start(t, "edge", "--listen", addr, "--admin", adminAddr, "--origin", origin, "--disk-bytes", "0", "--access-log", "off")
	edge.waitReady(t, "http://"+adminAddr+"/readyz")
	return "http://" + addr
}
