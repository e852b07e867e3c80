package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// The browse pages and the player's subtitles, thumbnails, skip-intro
// and DASH, driven in the demo's Chromium (TestDemoInBrowser). The demo
// ingests its generated title with English subtitles ("Line N", one
// every demoSubtitleStep seconds) and sets its markers (demoMarkers).

// pageURL is one of the demo's pages beside the player's.
func pageURL(d *demoRun, page string) string {
	return strings.TrimSuffix(d.player, "player/") + page
}

// homeAndTitle: the home page shows rows of posters, whose images load
// from the edges, the popular one for the viewer's site (steering puts
// the browser at the demo's site); search as you type narrows them; a card opens the
// title page with the title's facts and Play.
func homeAndTitle(t *testing.T, ctx context.Context, d *demoRun, diag func() string) {
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL(d, "home/")), chromedp.WaitVisible(chromedp.CSS("a.card"))); err != nil {
		t.Fatal(err)
	}
	rows := eval[[]string](t, ctx, `[...document.querySelectorAll('section.row')].map(r => r.dataset.row)`)
	if len(rows) < 3 || rows[0] != "Popular here" || rows[1] != "New releases" {
		t.Fatalf("home page rows %q, want Popular here, New releases, then tags", rows)
	}
	if site := eval[string](t, ctx, `document.querySelector('#rows').dataset.site`); site != demoSite {
		t.Fatalf("the home page says the viewer is at site %q, want %q (steering's /v1/site)", site, demoSite)
	}
	waitJS(t, ctx, 20*time.Second, `[...document.querySelectorAll('a.card img.poster')].some(i => i.complete && i.naturalWidth > 0)`,
		"a poster loaded", func() string { return eval[string](t, ctx, `document.querySelector('#rows').innerHTML`) })
	search := func(q, want string) {
		t.Helper()
		eval[bool](t, ctx, `(document.querySelector('#q').value = '', true)`)
		if err := chromedp.Do(ctx, chromedp.SendKeys(chromedp.CSS("#q"), q)); err != nil {
			t.Fatal(err)
		}
		waitJS(t, ctx, 10*time.Second, fmt.Sprintf(`document.querySelector('#rows').dataset.query === %q && %s`, q, want),
			"search "+q, func() string { return eval[string](t, ctx, `document.querySelector('#rows').innerText`) })
	}
	search("nosuchtitlezz", `/no title matches/.test(document.querySelector('#rows').innerText)`)
	search("test", `document.querySelectorAll('a.card').length === 1`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("a.card")), chromedp.WaitVisible(chromedp.CSS("a.play"))); err != nil {
		t.Fatal(err)
	}
	facts := eval[map[string]string](t, ctx, `Object.fromEntries([...document.querySelectorAll('dd[data-fact]')].map(d => [d.dataset.fact, d.textContent]))`)
	if facts["subtitles"] != "English" || facts["year"] == "" {
		t.Fatalf("title page facts %v, want year and subtitles English:\n%s", facts, diag())
	}
	screenshot(t, ctx, "title")
}

// subtitleShows: choosing the English track in the menu shows it in the
// browser's text track display, with the cue of the current time.
func subtitleShows(t *testing.T, ctx context.Context, diag func() string) {
	waitJS(t, ctx, 20*time.Second, `[...document.querySelectorAll('#subs option')].some(o => o.dataset.lang === 'en')`, "an English subtitle track in the menu", diag)
	eval[bool](t, ctx, `(() => { const s = document.querySelector('#subs');
		s.value = [...s.options].find(o => o.dataset.lang === 'en').value; s.dispatchEvent(new Event('change')); return true })()`)
	type cue struct {
		Now, Start, End float64
		Text            string
	}
	var c cue
	active := `(() => { const v = document.querySelector('video');
		const tr = [...v.textTracks].find(t => t.mode === 'showing' && t.activeCues && t.activeCues.length);
		if (!tr) return null; const c = tr.activeCues[0];
		return {now: v.currentTime, start: c.startTime, end: c.endTime, text: c.text} })()`
	waitJS(t, ctx, 20*time.Second, active+` !== null`, "a showing text track with an active cue", diag)
	c = eval[cue](t, ctx, active)
	want := fmt.Sprintf("Line %d", int(c.Start)/demoSubtitleStep+1)
	if c.Text != want || c.Now < c.Start-0.5 || c.Now > c.End+0.5 {
		t.Fatalf("active cue %+v, want %q around the playback time", c, want)
	}
	t.Logf("cue %q showing at %.1f s", c.Text, c.Now)
}

// dashSubtitleShows: with the page playing DASH (dashPlays), the menu
// lists dash.js's text tracks and choosing English shows the cue of the
// current time, as with HLS.
func dashSubtitleShows(t *testing.T, ctx context.Context, diag func() string) {
	if f := eval[string](t, ctx, `window.vodedgePlayer.format`); f != "dash" {
		t.Fatalf("the page plays %q, want dash:\n%s", f, diag())
	}
	subtitleShows(t, ctx, diag)
}

// thumbnailOnHover: hovering the seek bar shows the sprite tile of the
// hovered time, loaded from the edge.
func thumbnailOnHover(t *testing.T, ctx context.Context, diag func() string) {
	waitJS(t, ctx, 20*time.Second, `(window.vodedgePlayer.thumbs || {}).cues > 0`, "the thumbnail track", diag)
	type rect struct{ X, Y, W, H float64 }
	r := eval[rect](t, ctx, `(() => { const e = document.querySelector('#seek'); e.scrollIntoView({block: 'center'});
		const b = e.getBoundingClientRect(); return {x: b.left, y: b.top, w: b.width, h: b.height} })()`)
	if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", r.X+r.W*0.6, r.Y+r.H/2)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, 20*time.Second, `(() => { const i = document.querySelector('#thumb-img');
		return !document.querySelector('#thumb').hidden && i.complete && i.naturalWidth > 0 && /sprite/.test(i.src) })()`, "a thumbnail loaded on hover", diag)
	t.Logf("thumbnail %s", eval[string](t, ctx, `JSON.stringify(window.vodedgePlayer.thumb)`))
	screenshot(t, ctx, "player-thumbnail")
}

// skipIntro: inside the intro the button shows; it jumps to its end.
// From the credits on, the "Next" hint shows.
func skipIntro(t *testing.T, ctx context.Context, diag func() string) {
	end := eval[float64](t, ctx, `window.vodedgePlayer.title.markers.intro.end`)
	eval[bool](t, ctx, `(document.querySelector('video').currentTime = 0.5, true)`)
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#skip-intro")), chromedp.Click(chromedp.CSS("#skip-intro"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, 20*time.Second, fmt.Sprintf(`document.querySelector('video').currentTime >= %f && !!window.vodedgePlayer.skipped`, end),
		"playback past the intro's end", diag)
	t.Logf("skipped %s", eval[string](t, ctx, `JSON.stringify(window.vodedgePlayer.skipped)`))
	if eval[bool](t, ctx, `!document.querySelector('#next-hint').hidden`) {
		t.Fatalf("the Next hint shows before the credits:\n%s", diag())
	}
	credits := eval[float64](t, ctx, `window.vodedgePlayer.title.markers.credits.start`)
	eval[bool](t, ctx, fmt.Sprintf(`(document.querySelector('video').currentTime = %f, true)`, credits+0.5))
	if err := chromedp.Do(ctx, chromedp.WaitVisible(chromedp.CSS("#next-hint"))); err != nil {
		t.Fatal(err)
	}
	t.Logf("at the credits: %q", eval[string](t, ctx, `document.querySelector('#next-hint').textContent`))
}

// dashPlays: the same title plays as DASH with dash.js.
func dashPlays(t *testing.T, ctx context.Context, d *demoRun, diag func() string) {
	id := eval[string](t, ctx, `window.vodedgePlayer.title.id`)
	if err := chromedp.Do(ctx, chromedp.Navigate(d.player+"?fmt=dash&id="+id)); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, 40*time.Second, `window.vodedgePlayer.format === 'dash' && document.querySelector('video').currentTime > 3`, "DASH playback past 3 s", diag)
	st := eval[playerState](t, ctx, `window.vodedgePlayer`)
	if len(st.Segments) == 0 || st.Error != "" {
		t.Fatalf("DASH: %d segments, error %q:\n%s", len(st.Segments), st.Error, diag())
	}
	t.Logf("DASH: %d segments, first from %s", len(st.Segments), st.Segments[0].Node)
	screenshot(t, ctx, "player-dash")
}
