package main

import (
	"encoding/json"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
)

// TestColdTitleInBrowser runs `vodedge demo` and moves its title to the
// cold class; the player page then gets
// 503 with Retry-After for the master playlist (the request starts the
// restore), says "restoring, retry in N s" and does not fail over; once
// the title is hot again, "Retry now" plays it.
func TestColdTitleInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	testenv.Tool(t, "ffmpeg")
	dir := t.TempDir()
	d := startDemo(t, "--title-seconds", "10", "--dir", dir)
	ctl, apiToken := demoController(t, d, dir)
	call := func(method, url, token string) (int, string) {
		req, _ := http.NewRequest(method, url, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = io.Copy(&b, resp.Body)
		return resp.StatusCode, b.String()
	}
	var titles catalog.Results
	if code, body := call("GET", ctl+"/v1/titles", apiToken); code != 200 || json.Unmarshal([]byte(body), &titles) != nil || len(titles.Hits) != 1 {
		t.Fatalf("titles: %d %s", code, body)
	}
	id := titles.Hits[0].ID
	class := func() catalog.Class {
		var tt catalog.Title
		if code, body := call("GET", ctl+"/v1/titles/"+id+"?restore=false", apiToken); code != 200 || json.Unmarshal([]byte(body), &tt) != nil {
			t.Fatalf("title: %d %s", code, body)
		}
		return tt.Class
	}
	if code, body := call("POST", ctl+"/v1/titles/"+id+"/demote", apiToken); code != http.StatusAccepted {
		t.Fatalf("demote: %d %s", code, body)
	}
	testenv.Eventually(t, time.Minute, "the title cold", func() bool { return class() == catalog.Cold })
	// The edges still hold the title, but steering sends players to the
	// origin once the site's manifest no longer lists it (a content
	// miss): the player's request is the one that meets the cold title.
	sm := regexp.MustCompile(`steering\s+players ask (\S+),`).FindStringSubmatch(d.p.stdout.String())
	if sm == nil {
		t.Fatalf("no steering address in the demo's output:\n%s", d.p.stdout)
	}
	testenv.Eventually(t, time.Minute, "steering to answer the origin for the cold title, saying it is restoring", func() bool {
		_, body := call("GET", "http://"+sm[1]+"/v1/steer?file=/titles/"+id+"/master.m3u8", "")
		return strings.Contains(body, `"outcome":"origin"`) && strings.Contains(body, `"restoring":true,"retry_after":60`)
	})
	diag := func() string {
		return "player state: " + eval[string](t, ctx, `JSON.stringify(window.vodedgePlayer)`) + "\n" + d.p.stdout.String() + readFile(filepath.Join(dir, "demo.log"))
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(d.player), chromedp.WaitVisible(chromedp.CSS("button.title"))); err != nil {
		t.Fatal(err)
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("button.title"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, 40*time.Second, `window.vodedgePlayer.restoring !== null`, "the page to say it is restoring", diag)
	text := eval[string](t, ctx, `document.querySelector('#restoring').hidden ? '' : document.querySelector('#restoring-text').textContent`)
	if !regexp.MustCompile(`^restoring, retry in [0-9]+ s$`).MatchString(text) {
		t.Fatalf("restoring message %q:\n%s", text, diag())
	}
	if n := eval[int](t, ctx, `window.vodedgePlayer.failovers.length`); n != 0 {
		t.Fatalf("a 503 with Retry-After failed over:\n%s", diag())
	}
	screenshot(t, ctx, "player-restoring")
	testenv.Eventually(t, 2*time.Minute, "the title hot again", func() bool { return class() == catalog.Hot })
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#retry-now"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, 40*time.Second, `document.querySelector('video').currentTime > 2`, "playback after the restore", diag)
	if st := eval[playerState](t, ctx, `window.vodedgePlayer`); st.Error != "" || !eval[bool](t, ctx, `window.vodedgePlayer.restoring === null && document.querySelector('#restoring').hidden`) {
		t.Fatalf("after the restore: error %q:\n%s", st.Error, diag())
	}
	d.stop(t)
}

// demoController returns the demo's controller URL, read from its
// output, and its first API token, read from its keys under dir.
func demoController(t *testing.T, d *demoRun, dir string) (url, token string) {
	t.Helper()
	m := regexp.MustCompile(`controller\s+API and origin on (\S+),`).FindStringSubmatch(d.p.stdout.String())
	if m == nil {
		t.Fatalf("no controller address in the demo's output:\n%s", d.p.stdout)
	}
	return "http://" + m[1], firstLine(t, filepath.Join(dir, "keys", "api-tokens"))
}

func firstLine(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(strings.SplitN(string(b), "\n", 2)[0])
}
