package main

import (
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestOriginWorkerSurvivesControllerRestart: a `vodedge origin worker`
// waits, idle, on the controller's embedded NATS; the controller
// restarts (and its NATS with it). The worker reconnects, and a title
// ingested afterwards is encoded by it and publishes.
func TestOriginWorkerSurvivesControllerRestart(t *testing.T) {
	ws := newWorkerSetup(t, "240p", "ultrafast")
	writeSource(t, ws.ffmpeg, ws.src, "426x240", 25, 4)
	args := ws.controllerArgs()
	ctl := start(t, args...)
	ctl.waitReady(t, "http://"+ws.admin+"/readyz")
	w := ws.startWorker(t, "w1")
	tokens, src, listen, adminAddr := ws.tokens, ws.src, ws.listen, ws.admin
	testenv.Eventually(t, time.Minute, "the worker ready", func() bool { return strings.Contains(w.stderr.String(), `msg="origin worker ready"`) })

	ctl.cmd.Process.Signal(syscall.SIGTERM)
	if err := ctl.wait(t, time.Minute); err != nil {
		t.Fatalf("controller stop: %v\n%s", err, ctl.stderr)
	}
	ctl = start(t, args...)
	ctl.waitReady(t, "http://"+adminAddr+"/readyz")
	testenv.Eventually(t, time.Minute, "the worker reconnected", func() bool { return strings.Contains(w.stderr.String(), `msg="reconnected to NATS"`) })

	env := &registryEnv{t: t, ctl: "http://" + listen, token: workerToken}
	ing := start(t, "ingest", src, "--origin", env.ctl, "--token-file", tokens, "--progress", "plain")
	if err := ing.wait(t, 5*time.Minute); err != nil {
		t.Fatalf("ingest: %v\n%s\n%s\ncontroller:\n%s\nworker:\n%s", err, ing.stdout, ing.stderr, ctl.stderr, w.stderr)
	}
	if !regexp.MustCompile(`(?m)^(\S+)\tpublished\t`).MatchString(ing.stdout.String()) {
		t.Fatalf("ingest did not publish:\n%s\nworker:\n%s", ing.stdout, w.stderr)
	}
	if !ended(w, "transcode/video-h264-240p") {
		t.Fatalf("the worker did not encode the title after the restart:\n%s", w.stderr)
	}
}
