package controller_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/qc"
	"github.com/vodedge/vodedge/origin/transcode"
)

// gate is a rendition scanner that holds the first check it gets until
// release is closed: one run of a step stops between its encode and its
// rename while another runs from start to end.
type gate struct {
	once    sync.Once
	held    chan struct{} // closed when the first check waits
	release chan struct{}
}

func (g *gate) Name() string { return "gate" }

func (g *gate) Scan(ctx context.Context, _ qc.Input, _ func(float64)) ([]qc.Finding, error) {
	first := false
	g.once.Do(func() { first = true })
	if !first {
		return nil, nil
	}
	close(g.held)
	select {
	case <-g.release:
		return nil, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// TestOverlappingRunsOfAStep: two runs of one transcode step overlap (as
// when a worker cut off from NATS goes on encoding while the step is
// redelivered to another): the first is held after its encode while the
// second runs to the end. Both succeed, neither touches the other's
// files, the rendition in place is the whole output of the run that
// finished last, and no temporary directory is left behind.
func TestOverlappingRunsOfAStep(t *testing.T) {
	data := t.TempDir()
	cfg := testConfig(t, data)
	const id = "t-overlap"
	if err := os.MkdirAll(filepath.Join(data, "sources", id), 0o755); err != nil {
		t.Fatal(err)
	}
	src := mediatest.Make(t, filepath.Join(data, "sources", id), mediatest.Source{Seconds: 4})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	info, err := probe.Prober{Path: cfg.FFprobe}.Probe(ctx, src)
	if err != nil {
		t.Fatal(err)
	}
	tc := cfg.Transcode
	if err := tc.Validate(); err != nil {
		t.Fatal(err)
	}
	rends, err := transcode.Plan(info, tc)
	if err != nil {
		t.Fatal(err)
	}
	g := &gate{held: make(chan struct{}), release: make(chan struct{})}
	deps := testDeps()
	deps.RenditionScanners = []qc.Scanner{g}
	funcs, err := controller.WorkerSteps(ctx, cfg, deps)
	if err != nil {
		t.Fatal(err)
	}
	r := rends[0]
	if r.Kind != transcode.Video {
		t.Fatalf("first rendition %+v, want a video one", r)
	}
	job := transcodeJob(t, id, info, r)
	run := func() error {
		tk, err := pipeline.NewTask(job, "transcode/"+r.Name, nil)
		if err == nil {
			_, err = pipeline.Call(ctx, funcs["transcode"], tk)
		}
		return err
	}
	first := make(chan error, 1)
	go func() { first <- run() }()
	select {
	case <-g.held:
	case <-ctx.Done():
		t.Fatal("the first run never reached its check")
	}
	held := runDirs(t, filepath.Join(data, "work", id))
	if len(held) != 1 {
		close(g.release)
		<-first
		t.Fatalf("temporary directories while the first run is held: %v, want 1", held)
	}
	firstSums := sums(t, held[0])
	err = run()
	final := filepath.Join(data, "work", id, r.Name)
	if err == nil && !equalSums(sums(t, held[0]), firstSums) {
		t.Error("the second run changed the first run's files")
	}
	close(g.release)
	if err != nil {
		<-first
		t.Fatalf("second run: %v", err)
	}
	if err := <-first; err != nil {
		t.Fatalf("first run, after the second finished: %v", err)
	}
	// x264 with threads is not bit-exact from run to run, so the test
	// checks the last run's files are in place, all of them and only
	// them (not a mix of the two runs).
	if after := sums(t, final); len(after) < 3 || !equalSums(after, firstSums) {
		t.Fatalf("rendition after both runs:\n%v\nwant the last run's:\n%v", after, firstSums)
	}
	checkPlaylistFiles(t, final)
	entries, _ := os.ReadDir(filepath.Join(data, "work", id))
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind in the work directory: %s", e.Name())
		}
	}
}

// runDirs lists the temporary directories of runs under work.
func runDirs(t *testing.T, work string) []string {
	t.Helper()
	m, err := filepath.Glob(filepath.Join(work, ".tmp-*"))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// transcodeJob is an ingest job as a worker gets it: a done probe step
// and the transcode step of rendition r.
func transcodeJob(t *testing.T, id string, info *probe.Info, r transcode.Rendition) *pipeline.Job {
	infoJSON, err := json.Marshal(info)
	if err != nil {
		t.Fatal(err)
	}
	args, _ := json.Marshal(r)
	return &pipeline.Job{ID: "j-" + id, Subject: id, Steps: []*pipeline.Step{
		{Name: "probe", Kind: "probe", State: pipeline.Done, Result: infoJSON},
		{Name: "transcode/" + r.Name, Kind: "transcode", Deps: []string{"probe"}, Args: args},
	}}
}

// sums maps each file of dir to its SHA-256.
func sums(t *testing.T, dir string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatalf("rendition: %v", err)
	}
	m := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		s := sha256.Sum256(b)
		m[e.Name()] = hex.EncodeToString(s[:])
	}
	return m
}

func equalSums(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// checkPlaylistFiles: every file the media playlist names is there.
func checkPlaylistFiles(t *testing.T, dir string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, transcode.PlaylistFile))
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		name := line
		if i := strings.Index(line, `URI="`); i >= 0 {
			name = strings.TrimSuffix(line[i+5:], `"`)
		}
		if name == "" || strings.HasPrefix(name, "#") {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("the playlist names %s: %v", name, err)
		}
	}
}
