package controller_test

import (
	"log/slog"
	"regexp"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/internal/mediatest"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// TestIngestThroughNATSQueue: with --engine nats, an embedded NATS and
// the controller's own queue worker (Queue.Workers), a title's encodes
// and checks run as queued tasks and it publishes as with local steps,
// every file matching its catalog checksum.
func TestIngestThroughNATSQueue(t *testing.T) {
	cfg := testConfig(t, t.TempDir())
	cfg.Queue = controller.Queue{Engine: controller.EngineNATS, Listen: testenv.FreeAddr(t), Workers: 2}
	logs := &testenv.Buffer{}
	deps := testDeps()
	deps.Logger = slog.New(slog.NewTextHandler(logs, nil))
	e := start(t, cfg, deps)
	src := mediatest.Make(t, "", mediatest.Source{Seconds: 4, Width: 426, Height: 240})
	res := e.ingest(src, catalog.Metadata{Title: "Queued"})
	e.wait(res.Job.ID, pipeline.Done)
	title := e.title(res.Title.ID, func(t *catalog.Title) bool { return t.Status == catalog.Published })
	checkFiles(t, e, title)
	// Only the queue's worker logs a task ID; the local runner has none.
	for _, step := range []string{"qc", "transcode/video-h264-240p", "transcode/audio-aac-128k"} {
		if !regexp.MustCompile(`msg="step ended" job=` + res.Job.ID + ` step=` + regexp.QuoteMeta(step) + ` `).MatchString(logs.String()) {
			t.Errorf("step %s did not run on the queue's worker; logs:\n%s", step, logs)
		}
	}
}
