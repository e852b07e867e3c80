package main

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// TestOriginWorkerStepNotRedoneAfterControllerCrash: a worker started
// with no encoding flags encodes with the controller's settings (a
// 240p-only ladder, where the default ladder would give a 640x360
// source a 360p rung too). The controller is killed with SIGKILL (its
// embedded NATS with it) while the worker encodes; the worker finishes
// the encode while it is down and records the outcome once it is back.
// The restarted controller takes that outcome: the title publishes and
// the encode ran once.
func TestOriginWorkerStepNotRedoneAfterControllerCrash(t *testing.T) {
	const step = "transcode/video-h264-240p"
	ws := newWorkerSetup(t, "240p", "medium")
	writeSource(t, ws.ffmpeg, ws.src, "640x360", 25, 20)
	args := ws.controllerArgs("--chunk-duration", "0")
	ctl := start(t, args...)
	ctl.waitReady(t, "http://"+ws.admin+"/readyz")
	w := ws.startWorker(t, "w1")
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("controller (the last started):\n%s\nworker:\n%s", ctl.stderr, w.stderr)
		}
	})
	env := &registryEnv{t: t, ctl: "http://" + ws.listen, token: workerToken}
	ing := start(t, "ingest", ws.src, "--origin", env.ctl, "--token-file", ws.tokens, "--progress", "plain")
	testenv.Eventually(t, 5*time.Minute, "the worker encoding "+step, func() bool { return started(w, step) })

	ctl.cmd.Process.Signal(syscall.SIGKILL)
	ctl.wait(t, time.Minute)
	if ended(w, step) {
		t.Fatalf("the worker finished %s before the controller was killed; the test wants it finished while the controller is down", step)
	}
	ing.cmd.Process.Kill() // it followed the killed controller
	ing.wait(t, time.Minute)
	testenv.Eventually(t, 10*time.Minute, "the worker to finish "+step+" with the controller down", func() bool { return ended(w, step) })

	ctl = start(t, args...)
	ctl.waitReady(t, "http://"+ws.admin+"/readyz")
	job := waitIngestJob(t, env, w)
	if n := startedCount(w, step); n != 1 {
		t.Fatalf("%s started %d times, want once:\n%s", step, n, w.stderr)
	}
	if !strings.Contains(ctl.stderr.String(), "step is not run again") {
		t.Errorf("the restarted controller did not report taking the recorded outcome:\n%s", ctl.stderr)
	}
	if !strings.Contains(w.stderr.String(), `msg="step settings from the controller" version=1 ladder=240p:`) {
		t.Errorf("the worker did not report the controller's settings:\n%s", w.stderr)
	}
	var title catalog.Title
	if code := env.api("/v1/titles/"+job.Subject, &title); code != 200 {
		t.Fatalf("title %s: %d", job.Subject, code)
	}
	var heights []int
	for _, r := range title.Renditions {
		if r.Height > 0 {
			heights = append(heights, r.Height)
		}
	}
	if len(heights) != 1 || heights[0] != 240 {
		t.Fatalf("video renditions of heights %v, want only the controller's 240p", heights)
	}
	checkStoreMatchesCatalog(t, ws.data+"/store", title)
}

// waitIngestJob waits until the one ingest job is done and returns it;
// a failed job fails the test.
func waitIngestJob(t *testing.T, env *registryEnv, w *proc) *pipeline.Job {
	var job *pipeline.Job
	testenv.EventuallyErr(t, 5*time.Minute, "the ingest job done", func() error {
		var list struct{ Jobs []*pipeline.Job }
		if code := env.api("/v1/jobs?kind=ingest", &list); code != 200 || len(list.Jobs) != 1 {
			return fmt.Errorf("jobs: %d, %d listed", code, len(list.Jobs))
		}
		job = list.Jobs[0]
		if job.State == pipeline.Failed {
			t.Fatalf("the ingest job failed: %+v\nworker:\n%s", job, w.stderr)
		}
		if job.State != pipeline.Done {
			var steps []string
			for _, s := range job.Steps {
				steps = append(steps, s.Name+"="+string(s.State))
			}
			return fmt.Errorf("job %s, steps %s", job.State, strings.Join(steps, " "))
		}
		return nil
	})
	return job
}
