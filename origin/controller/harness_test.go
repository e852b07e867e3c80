package controller_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/qc"
	"github.com/vodedge/vodedge/origin/transcode"
)

func TestMain(m *testing.M) {
	if os.Getenv(childEnv) != "" {
		runChild() // the crash test's controller process; never returns
	}
	if os.Getenv(scannerEnv) != "" {
		runScanner() // a content scanner process (scanner_test.go); never returns
	}
	goleak.VerifyTestMain(m)
}

// testConfig is a small, fast controller: a 3-rung ladder capped at
// 240p, 2 s segments, ultrafast, QC thresholds scaled to 4 s sources.
func testConfig(t testing.TB, data string) controller.Config {
	return configWith(data, testenv.Tool(t, "ffmpeg"), testenv.Tool(t, "ffprobe"))
}

func configWith(data, ffmpeg, ffprobe string) controller.Config {
	cfg := controller.DefaultConfig(data)
	cfg.Transcode = transcode.Config{
		Ladder:          transcode.Ladder{{Height: 240, Bitrate: 300_000}, {Height: 180, Bitrate: 200_000}, {Height: 144, Bitrate: 150_000}},
		SegmentDuration: 2 * time.Second, Preset: "ultrafast", FFmpeg: ffmpeg,
	}
	cfg.FFprobe = ffprobe
	cfg.Pipeline = pipeline.Config{Workers: 2, MaxAttempts: 2, Backoff: 100 * time.Millisecond}
	q := qc.DefaultThresholds()
	q.BlackWarn, q.BlackFail = 500*time.Millisecond, time.Second
	q.FreezeWarn, q.FreezeFail = 500*time.Millisecond, time.Second
	q.SilenceWarn, q.SilenceFail = 500*time.Millisecond, time.Second
	q.EdgeGrace, q.DurationTolerance = 300*time.Millisecond, 500*time.Millisecond
	cfg.QC = q
	cfg.Tiering.ColdAfterDays = 0
	return cfg
}

// env is a controller serving on loopback, with a client.
type env struct {
	t   *testing.T
	srv *controller.Server
	reg *prometheus.Registry
	url string
	cli *client.Client
	cfg controller.Config
}

func start(t *testing.T, cfg controller.Config, deps controller.Deps) *env {
	t.Helper()
	e := &env{t: t, reg: prometheus.NewRegistry(), cfg: cfg}
	deps.Registerer = e.reg
	if deps.Logger == nil {
		deps.Logger = testLogger(t)
	}
	srv, err := controller.New(context.Background(), cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	e.srv, e.url = srv, "http://"+ln.Addr().String()
	tr := &http.Transport{}
	token := ""
	if len(cfg.APITokens) > 0 {
		token = cfg.APITokens[0]
	}
	e.cli, _ = client.New(e.url, token, &http.Client{Transport: tr})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
		tr.CloseIdleConnections()
	})
	return e
}

func testLogger(t testing.TB) *slog.Logger {
	if os.Getenv("VODEDGE_TEST_LOG") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.DiscardHandler)
}

func (e *env) ingest(path string, meta catalog.Metadata) *controller.IngestResponse {
	e.t.Helper()
	f, err := os.Open(path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	res, err := e.cli.Ingest(context.Background(), f, path, meta)
	if err != nil {
		e.t.Fatalf("ingest %s: %v", path, err)
	}
	return res
}

// wait polls a job until it stops moving, and fails unless it is in want.
func (e *env) wait(id string, want pipeline.State) *pipeline.Job {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	j, err := e.cli.WaitJob(ctx, id, 50*time.Millisecond, nil)
	if err != nil || j.State != want {
		e.t.Fatalf("job %s: %v; state %s, want %s: %s", id, err, state(j), want, steps(j))
	}
	return j
}

func state(j *pipeline.Job) pipeline.State {
	if j == nil {
		return ""
	}
	return j.State
}

func steps(j *pipeline.Job) string {
	if j == nil {
		return ""
	}
	var s []string
	for _, st := range j.Steps {
		s = append(s, st.Name+"="+string(st.State)+" "+st.Error)
	}
	return strings.Join(s, "; ")
}

// title polls GET /v1/titles/{id} (without restoring) until ok holds.
func (e *env) title(id string, ok func(*catalog.Title) bool) *catalog.Title {
	e.t.Helper()
	var t *catalog.Title
	testenv.EventuallyErr(e.t, 60*time.Second, "title "+id, func() error {
		var err error
		if t, err = e.cli.Title(context.Background(), id, false); err == nil && !ok(t) {
			err = fmt.Errorf("last %+v", t)
		}
		return err
	})
	return t
}

// run runs a program and returns its combined output.
func run(t *testing.T, name string, args ...string) (string, error) {
	out, err := exec.Command(testenv.Tool(t, name), args...).CombinedOutput()
	return string(out), err
}

// send makes one request with a body of type ct and returns the status
// and the answer's body.
func send(t *testing.T, method, url, ct string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", ct)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}
