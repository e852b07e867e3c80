package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// strobe is a flashing title the browser test ingests into the demo's
// controller through its API, as an operator would. The demo's
// controller runs with the default --qc-flashes (hold): the title is
// held for approval with a photosensitivity viewer warning, which it
// keeps once approved. Held, it is in no page's list until the
// approval, so the subtests before the gate see the demo's title only.
type strobe struct {
	cli     *client.Client
	id, job string
}

// strobeFilter fills the screen white then black at 6 Hz over 1–3 s:
// more than three flashes a second over the whole screen.
const strobeFilter = "drawbox=c=white:t=fill:enable='between(t,1,2.99)*lt(mod(t,0.16667),0.0833)'," +
	"drawbox=c=black:t=fill:enable='between(t,1,2.99)*gte(mod(t,0.16667),0.0833)'"

// ingestStrobe generates a 4 s flashing source and uploads it to the
// demo's controller (its address from the demo's output, the API token
// from its keys under dir).
func ingestStrobe(t *testing.T, d *demoRun, dir string) *strobe {
	t.Helper()
	ctl, apiToken := demoController(t, d, dir)
	cli, err := client.New(ctl, apiToken, &http.Client{Timeout: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), "strobe.mp4")
	args := []string{"-hide_banner", "-nostdin", "-v", "error", "-y",
		"-f", "lavfi", "-i", "testsrc2=s=640x360:r=30:d=4", "-f", "lavfi", "-i", "sine=f=440:r=48000:d=4",
		"-vf", strobeFilter, "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
		"-c:a", "aac", "-b:a", "96k", "-shortest", src}
	if out, err := exec.Command(testenv.Tool(t, "ffmpeg"), args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	meta := catalog.Metadata{Title: "Strobe", Description: "white and black flashes at 6 Hz over 1–3 s", Tags: []string{"strobe"}, Year: 2026}
	res, err := cli.Ingest(ctx, f, "strobe.mp4", meta)
	if err != nil {
		t.Fatalf("ingesting the flashing source: %v", err)
	}
	return &strobe{cli: cli, id: res.Title.ID, job: res.Job.ID}
}

// approve waits for the strobe's job to be held by the flash check,
// approves it as an operator, waits for its publication and returns the
// title's viewer warnings.
func (s *strobe) approve(t *testing.T) []string {
	t.Helper()
	s.waitJob(t, pipeline.Held)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := s.cli.Approve(ctx, s.id, "browser test", "a viewer warning is enough"); err != nil {
		t.Fatalf("approving the flashing title: %v", err)
	}
	s.waitJob(t, pipeline.Done)
	title, err := s.cli.Title(ctx, s.id, false)
	if err != nil {
		t.Fatal(err)
	}
	if title.Status != catalog.Published || len(title.ViewerWarnings) == 0 {
		t.Fatalf("approved flashing title: status %s, viewer warnings %q", title.Status, title.ViewerWarnings)
	}
	return title.ViewerWarnings
}

// waitJob waits for the strobe's job to finish and fails the test
// unless it reached want.
func (s *strobe) waitJob(t *testing.T, want pipeline.State) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	j, err := s.cli.WaitJob(ctx, s.job, 200*time.Millisecond, nil)
	if err != nil {
		t.Fatalf("waiting for the flashing title's job to be %s: %v", want, err)
	}
	if j.State != want {
		t.Fatalf("the flashing title's job ended %s, want %s: %s", j.State, want, jobError(j))
	}
}

// warningGate: an approved flashing title shows its viewer warning on
// its title page; the player shows it and asks steering nothing until
// "Play anyway", after which the title plays.
func warningGate(t *testing.T, ctx context.Context, d *demoRun, s *strobe, diag func() string) {
	warnings := s.approve(t)
	t.Logf("viewer warnings %q", warnings)
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL(d, "title/?id="+s.id)), chromedp.WaitVisible(chromedp.CSS("ul.warnings"))); err != nil {
		t.Fatal(err)
	}
	if got := eval[string](t, ctx, `document.querySelector('ul.warnings').innerText`); !strings.Contains(got, warnings[0]) {
		t.Fatalf("title page warnings %q, want %q", got, warnings[0])
	}
	// The page's fetch is wrapped to count the questions to steering:
	// playback starts with one, asked in the same task as the click
	// that starts it, so a page that did not wait would have asked by
	// the time the warning shows.
	button := fmt.Sprintf(`button.title[data-id=%q]`, s.id)
	if err := chromedp.Do(ctx, chromedp.Navigate(d.player), chromedp.WaitVisible(chromedp.CSS(button))); err != nil {
		t.Fatal(err)
	}
	eval[bool](t, ctx, `(() => { const f = window.fetch; window.steerAsks = 0;
		window.fetch = function (u, ...rest) { if (String(u).includes('/v1/steer')) window.steerAsks++; return f.call(this, u, ...rest) };
		return true })()`)
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(button)), chromedp.WaitVisible(chromedp.CSS("#play-anyway"))); err != nil {
		t.Fatal(err)
	}
	held := fmt.Sprintf(`window.vodedgePlayer.title.id === %q && window.steerAsks === 0 && window.vodedgePlayer.steer === null &&
		window.vodedgePlayer.segments.length === 0 && document.querySelector('video').currentSrc === '' &&
		document.querySelector('#warnings').innerText.includes(%q)`, s.id, warnings[0])
	if !eval[bool](t, ctx, held) {
		t.Fatalf("with its warning showing, the player already asked steering (%d times) or loaded media:\n%s", eval[int](t, ctx, `window.steerAsks`), diag())
	}
	screenshot(t, ctx, "player-warning")
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("#play-anyway"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, 40*time.Second, `document.querySelector('#warnings').hidden && window.steerAsks >= 1 && document.querySelector('video').currentTime > 1`,
		"playback after Play anyway", diag)
	// A title just published may be on no edge yet: steering's answer
	// may be the origin, whose host is the node the page names then.
	t.Logf("played after Play anyway; first segment %s", eval[string](t, ctx, `JSON.stringify(window.vodedgePlayer.segments[0])`))
}
