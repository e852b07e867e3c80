package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/vodedge/vodedge/internal/testenv"
)

// demoRun is a `vodedge demo` process and the URLs it printed.
type demoRun struct {
	p        *proc
	player   string
	status   string
	edges    []string
	source   string
	started  time.Duration
	fillTime string
	victim   string // the edge the kill test stopped
}

// startDemo runs `vodedge demo` (a subprocess: the browser test kills
// nodes through the status page's demo controls) and waits for its URLs.
func startDemo(t *testing.T, args ...string) *demoRun {
	t.Helper()
	dir := t.TempDir()
	begin := time.Now()
	cmd := exec.Command(testenv.Vodedge(t), append([]string{"demo", "--dir", dir, "--listen", "127.0.0.1:0"}, args...)...)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, stdout: &testenv.Buffer{}, stderr: &testenv.Buffer{}, done: make(chan error, 1)}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-p.done
	})
	lines := make(chan string, 64)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			p.stdout.Write([]byte(sc.Text() + "\n"))
			lines <- sc.Text()
		}
		close(lines)
		p.done <- cmd.Wait()
	}()
	d := &demoRun{p: p}
	// A bound, not a speed check: the demo encodes its title first, which
	// took over 120 s on the shared 2-core machine under load.
	deadline := time.After(240 * time.Second)
	re := regexp.MustCompile(`^\s+(player|status|metrics)\s+(\S+)(?:\s+(\S+))?`)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatalf("demo exited before it was up:\n%s\n%s", p.stdout, p.stderr)
			}
			if strings.HasPrefix(line, "Ctrl-C") {
				d.started = time.Since(begin)
				go func() {
					for range lines {
					}
				}()
				t.Logf("demo up in %v (%s); fill %s", d.started.Round(100*time.Millisecond), d.source, d.fillTime)
				return d
			}
			d.parse(re, line)
		case <-deadline:
			t.Fatalf("demo not up after 240 s:\n%s\n%s", p.stdout, readFile(filepath.Join(dir, "demo.log")))
		}
	}
}

func (d *demoRun) parse(re *regexp.Regexp, line string) {
	if m := re.FindStringSubmatch(line); m != nil {
		switch {
		case m[1] == "player":
			d.player = m[2]
		case m[1] == "status":
			d.status = m[2]
		case m[1] == "metrics" && strings.HasPrefix(m[2], "edge-"):
			d.edges = append(d.edges, m[2])
		}
	}
	if strings.HasPrefix(strings.TrimSpace(line), "title ") && strings.Contains(line, "(") {
		d.source = line[strings.LastIndex(line, "(")+1 : len(line)-1]
	}
	if i := strings.Index(line, "fill took "); i >= 0 {
		d.fillTime = strings.TrimSuffix(line[i+len("fill took "):], ").")
	}
}

// stop sends SIGINT and waits for a clean exit.
func (d *demoRun) stop(t *testing.T) {
	t.Helper()
	d.p.cmd.Process.Signal(syscall.SIGINT)
	select {
	case err := <-d.p.done:
		d.p.done <- err
		if err != nil {
			t.Errorf("demo exited with %v after SIGINT:\n%s", err, d.p.stderr)
		}
	case <-time.After(30 * time.Second):
		t.Errorf("demo still running 30 s after SIGINT")
	}
}

func readFile(path string) string {
	b, _ := os.ReadFile(path)
	return string(b)
}

// newBrowser starts headless Debian chromium, with the flags that keep
// it off the network (this machine has none) and allow autoplay.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := testenv.Tool(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe), chromedp.UserDataDir(t.TempDir()), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.WindowSize(1400, 1000),
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("autoplay-policy", "no-user-gesture-required"))
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// eval evaluates a JavaScript expression, bounded to 10 s.
func eval[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	c, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := chromedp.Run(c, chromedp.Evaluate[T](expr))
	if err != nil {
		t.Fatalf("evaluate %s: %v", expr, err)
	}
	return v
}

// waitJS polls a boolean expression until it holds.
func waitJS(t *testing.T, ctx context.Context, d time.Duration, expr, what string, diag func() string) {
	t.Helper()
	testenv.EventuallyErr(t, d, what, func() error {
		if eval[bool](t, ctx, expr) {
			return nil
		}
		return lazyError(diag)
	})
}

// lazyError is an error whose text is computed only when it is read: a
// poll's diagnosis (a page's text) costs nothing until the poll fails.
type lazyError func() string

func (e lazyError) Error() string { return "\n" + e() }

// screenshot saves a PNG of the page under $VODEDGE_SCREENSHOT_DIR, if set.
func screenshot(t *testing.T, ctx context.Context, name string) {
	dir := os.Getenv("VODEDGE_SCREENSHOT_DIR")
	if dir == "" {
		return
	}
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		t.Logf("screenshot %s: %v", name, err)
	}
}

type playerSegment struct {
	SN   any    `json:"sn"`
	Type string `json:"type"`
	Node string `json:"node"`
	Tier string `json:"tier"`
}

type playerState struct {
	Current    int `json:"current"`
	Candidates []struct {
		Node string `json:"node"`
		Dead bool   `json:"dead"`
	} `json:"candidates"`
	Segments  []playerSegment `json:"segments"`
	Failovers []struct {
		From string  `json:"from"`
		To   string  `json:"to"`
		At   float64 `json:"at"`
	} `json:"failovers"`
	Error string `json:"error"`
}

// TestDemoInBrowser runs `vodedge demo` and drives its pages in headless
// Chromium: the player plays the demo title through steering from the
// edges; stopping the edge it plays from (the status page's demo control:
// listeners closed, connections cut) does not stop playback, the player
// falls back to steering's next URL; the status page lists every node
// with its state. The subtests in browse_browser_test.go,
// preview_browser_test.go and warning_browser_test.go drive the browse
// pages, the player's menus and its viewer-warning gate.
func TestDemoInBrowser(t *testing.T) {
	ctx := newBrowser(t)
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		testenv.Tool(t, "ffmpeg") // skips, or fails under VODEDGE_REQUIRE_TOOLS: the kill needs a title longer than the sample
	}
	dir := t.TempDir()
	d := startDemo(t, "--title-seconds", "30", "--dir", dir)
	if d.player == "" || d.status == "" || len(d.edges) != 3 {
		t.Fatalf("demo printed player %q, status %q, edges %v:\n%s", d.player, d.status, d.edges, d.p.stdout)
	}
	diag := func() string {
		return fmt.Sprintf("player state: %s\n%s", eval[string](t, ctx, `JSON.stringify(window.vodedgePlayer)`), d.p.stdout)
	}
	flashing := ingestStrobe(t, d, dir) // held for approval until its subtest: no page lists it before
	t.Run("home and title pages", func(t *testing.T) { homeAndTitle(t, ctx, d, diag) })
	t.Run("a card plays its preview while the pointer rests on it", func(t *testing.T) { previewOnHover(t, ctx, d) })
	t.Run("player plays from the edges", func(t *testing.T) { playFromEdges(t, ctx, d, diag) })
	t.Run("a subtitle cue shows", func(t *testing.T) { subtitleShows(t, ctx, diag) })
	t.Run("a thumbnail loads on hover of the seek bar", func(t *testing.T) { thumbnailOnHover(t, ctx, diag) })
	t.Run("skip intro jumps past the intro", func(t *testing.T) { skipIntro(t, ctx, diag) })
	t.Run("DASH plays", func(t *testing.T) { dashPlays(t, ctx, d, diag) })
	t.Run("a DASH subtitle cue shows", func(t *testing.T) { dashSubtitleShows(t, ctx, diag) })
	t.Run("HLS plays again", func(t *testing.T) { playFromEdges(t, ctx, d, diag) })
	t.Run("stopping the serving edge does not stop playback", func(t *testing.T) { killMidPlay(t, ctx, d, diag) })
	t.Run("status page lists every node with its state", func(t *testing.T) { statusPage(t, ctx, d) })
	t.Run("a viewer warning holds playback until Play anyway", func(t *testing.T) { warningGate(t, ctx, d, flashing, diag) })
	d.stop(t)
}

func playFromEdges(t *testing.T, ctx context.Context, d *demoRun, diag func() string) {
	if err := chromedp.Do(ctx, chromedp.Navigate(d.player), chromedp.WaitVisible(chromedp.CSS("button.title"))); err != nil {
		t.Fatal(err)
	}
	if !eval[bool](t, ctx, `MediaSource.isTypeSupported('video/mp4; codecs="avc1.4d401e,mp4a.40.2"')`) {
		t.Fatal("this chromium cannot play H.264/AAC through Media Source Extensions")
	}
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS("button.title"))); err != nil {
		t.Fatal(err)
	}
	waitJS(t, ctx, 40*time.Second, `document.querySelector('video').currentTime > 4`, "playback past 4 s", diag)
	st := eval[playerState](t, ctx, `window.vodedgePlayer`)
	fromEdges := 0
	for _, s := range st.Segments {
		if strings.HasPrefix(s.Node, "edge-") && (strings.HasPrefix(s.Tier, "HIT-") || s.Tier == "MISS") {
			fromEdges++
		}
	}
	if fromEdges < 3 || st.Error != "" {
		t.Fatalf("%d segments from edges (want 3 or more), error %q:\n%s", fromEdges, st.Error, diag())
	}
	t.Logf("%d segments from edges, first from %s (%s)", fromEdges, st.Segments[0].Node, st.Segments[0].Tier)
	screenshot(t, ctx, "player")
}

func killMidPlay(t *testing.T, ctx context.Context, d *demoRun, diag func() string) {
	st := eval[playerState](t, ctx, `window.vodedgePlayer`)
	victim := st.Candidates[st.Current].Node
	if victim == "" {
		t.Fatalf("the player plays from the origin, not an edge:\n%s", diag())
	}
	at := eval[float64](t, ctx, `document.querySelector('video').currentTime`)
	loaded := len(st.Segments)
	resp, err := http.Post(strings.TrimSuffix(d.status, "status/")+"api/nodes/"+victim+"/stop", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("stop %s: %s %s", victim, resp.Status, body)
	}
	t.Logf("stopped %s at %.1f s of playback", victim, at)
	waitJS(t, ctx, 40*time.Second, fmt.Sprintf(`document.querySelector('video').currentTime > %f`, at+8), "playback 8 s past the stop", diag)
	st = eval[playerState](t, ctx, `window.vodedgePlayer`)
	// Responses in flight at the stop may still complete; once another
	// node served a segment, the victim serves none.
	after, moved := map[string]int{}, false
	for _, s := range st.Segments[loaded:] {
		moved = moved || s.Node != victim
		if moved {
			after[s.Node]++
		}
	}
	if len(st.Failovers) == 0 || after[victim] > 0 || len(after) == 0 || st.Error != "" {
		t.Fatalf("after stopping %s: failovers %+v, segments by node %v, error %q:\n%s", victim, st.Failovers, after, st.Error, diag())
	}
	t.Logf("fell back %s → %s at %.1f s; segments since: %v", st.Failovers[0].From, st.Failovers[0].To, st.Failovers[0].At, after)
	screenshot(t, ctx, "player-after-kill")
	d.victim = victim
}

func statusPage(t *testing.T, ctx context.Context, d *demoRun) {
	if err := chromedp.Do(ctx, chromedp.Navigate(d.status), chromedp.WaitVisible(chromedp.CSS("tr.node"))); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, e := range d.edges {
		want[e] = "OK"
	}
	if d.victim != "" {
		want[d.victim] = "ERROR"
	}
	expr := `Object.fromEntries([...document.querySelectorAll('tr.node')].map(r => [r.dataset.name, r.dataset.state]))`
	// The page re-renders from each poll; steering's figures come from a
	// probe of their own in the same poll, which a loaded machine may
	// see time out once: wait for a render with both.
	steering := `/decisions with this site first: \d+/.test(document.body.innerText)`
	testenv.EventuallyErr(t, 20*time.Second, "the status page", func() error {
		got := eval[map[string]string](t, ctx, expr)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return lazyError(func() string {
				return fmt.Sprintf("status page shows %v, want %v\n%s", got, want, eval[string](t, ctx, `document.querySelector('#sites').innerText`))
			})
		}
		if !eval[bool](t, ctx, steering) {
			return lazyError(func() string {
				return "no steering figures on the status page:\n" + eval[string](t, ctx, `document.body.innerText`)
			})
		}
		return nil
	})
	screenshot(t, ctx, "status")
}
