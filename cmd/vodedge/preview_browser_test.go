package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// previewOnHover: the pointer resting on a card plays the title's
// preview clip in it, muted and in place of the poster; the pointer
// leaving puts the poster back. Keyboard focus plays it too, and the
// title page's poster does the same. The clip comes through steering
// from an edge.
func previewOnHover(t *testing.T, ctx context.Context, d *demoRun) {
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL(d, "home/")), chromedp.WaitVisible(chromedp.CSS("a.card[data-preview]"))); err != nil {
		t.Fatal(err)
	}
	src := eval[string](t, ctx, `document.querySelector('a.card[data-preview]').dataset.preview`)
	previewFromEdge(t, src)
	box := `document.querySelector('a.card[data-preview]')`
	hoverPreview(t, ctx, box)
	eval[bool](t, ctx, box+`.focus() || true`)
	waitPreview(t, ctx, box, true, "the preview playing on keyboard focus")
	eval[bool](t, ctx, box+`.blur() || true`)
	waitPreview(t, ctx, box, false, "the poster back after blur")

	id := eval[string](t, ctx, box+`.dataset.id`)
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL(d, "title/?id="+id)), chromedp.WaitVisible(chromedp.CSS(".poster-box[data-preview]"))); err != nil {
		t.Fatal(err)
	}
	hoverPreview(t, ctx, `document.querySelector('.poster-box[data-preview]')`)
}

// hoverPreview rests the pointer on box until its clip plays, then
// moves it away until the poster is back.
func hoverPreview(t *testing.T, ctx context.Context, box string) {
	t.Helper()
	type rect struct{ X, Y, W, H float64 }
	r := eval[rect](t, ctx, `(() => { const e = `+box+`; e.scrollIntoView({block: 'center'});
		const b = e.getBoundingClientRect(); return {x: b.left, y: b.top, w: b.width, h: b.height} })()`)
	if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", r.X+r.W/2, r.Y+r.H/3)); err != nil {
		t.Fatal(err)
	}
	waitPreview(t, ctx, box, true, "the preview playing on hover")
	screenshot(t, ctx, "preview")
	if err := chromedp.Do(ctx, chromedp.MouseEvent("mouseMoved", 2, 2)); err != nil {
		t.Fatal(err)
	}
	waitPreview(t, ctx, box, false, "the poster back after the pointer left")
}

// waitPreview waits for box to play its clip (muted, the poster hidden,
// its time past 1 s: it plays, not just shows a frame) or, with
// playing false, to show its poster again with no clip left.
func waitPreview(t *testing.T, ctx context.Context, box string, playing bool, what string) {
	t.Helper()
	state := `(() => { const b = ` + box + `, v = b.querySelector('video.preview'), p = b.querySelector('.poster:not(.preview)');
		return {clip: !!v, muted: !!v && v.muted, paused: !v || v.paused, time: v ? v.currentTime : 0, src: v ? v.currentSrc : '',
			error: v && v.error ? v.error.message || String(v.error.code) : '', poster: !p.hidden, shown: window.vodedgePreview.playing} })()`
	want := `s.clip && s.muted && !s.paused && s.time > 1 && !s.poster && s.src === ` + box + `.dataset.preview`
	if !playing {
		want = `!s.clip && s.poster && s.shown === null`
	}
	waitJS(t, ctx, 30*time.Second, `(s => `+want+`)(`+state+`)`, what, func() string {
		return eval[string](t, ctx, `JSON.stringify(`+state+`)`)
	})
	if playing {
		t.Logf("%s: %s", what, eval[string](t, ctx, `JSON.stringify(`+state+`)`))
	}
}

// previewFromEdge fetches the clip as the browser does (through
// steering's redirect) and checks that an edge served an MP4.
func previewFromEdge(t *testing.T, src string) {
	t.Helper()
	if !strings.HasSuffix(src, "/art/preview.mp4") {
		t.Fatalf("preview URL %q, want steering's URL of the title's art/preview.mp4", src)
	}
	c := &http.Client{Timeout: 30 * time.Second}
	resp, err := c.Get(src)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	node := resp.Header.Get("X-Served-By")
	if err != nil || resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "video/mp4" || !strings.HasPrefix(node, "edge-") {
		t.Fatalf("GET %s: %s, %s, served by %q, %d bytes (%v)", src, resp.Status, resp.Header.Get("Content-Type"), node, n, err)
	}
	t.Logf("preview clip %s: %d bytes from %s (%s)", resp.Request.URL, n, node, resp.Header.Get("X-Cache"))
}
