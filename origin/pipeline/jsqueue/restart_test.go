package jsqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/pipeline"
)

func mustServer(t *testing.T, cfg ServerConfig) *Server {
	t.Helper()
	srv, err := StartServer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	return srv
}

// mustOpen opens the controller's side of the queue for kind "work";
// the test closes it itself when closeIt is false.
func mustOpen(t *testing.T, url string, settings []byte, closeIt bool) *Queue {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	q, err := Open(ctx, Config{URL: url, Kinds: []string{"work"}, Settings: settings},
		Deps{Fallback: pipeline.Local{}, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	if closeIt {
		t.Cleanup(q.Close)
	}
	return q
}

// runWorker starts a worker with deps; stop ends its Run and waits for
// it (at the test's end if not before).
func runWorker(t *testing.T, url, name string, deps WorkerDeps) (w *Worker, stop func()) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	deps.Logger = slog.New(slog.NewTextHandler(t.Output(), nil))
	w, err := NewWorker(ctx, WorkerConfig{URL: url, Name: name}, deps)
	if err != nil {
		t.Fatal(err)
	}
	rctx, rcancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(rctx); close(done) }()
	var once sync.Once
	stop = func() { once.Do(func() { rcancel(); <-done; w.Close() }) }
	t.Cleanup(stop)
	return w, stop
}

func workTask(t *testing.T, jobID string) *pipeline.Task {
	job := &pipeline.Job{ID: jobID, Steps: []*pipeline.Step{{Name: "a", Kind: "work"}}}
	tk, err := pipeline.NewTask(job, "a", func(float64, string) {})
	if err != nil {
		t.Fatal(err)
	}
	return tk
}

// TestStepFinishedWhileControllerDownIsNotRunAgain: the controller
// crashes (its queue and its embedded NATS go) while a worker runs a
// step; the worker finishes it while NATS is down and records it once
// NATS is back. The restarted controller's dispatch of that step
// returns the recorded result, and the step ran once.
func TestStepFinishedWhileControllerDownIsNotRunAgain(t *testing.T) {
	scfg := ServerConfig{Listen: testenv.FreeAddr(t), StoreDir: t.TempDir()}
	srv := mustServer(t, scfg)
	url := srv.URL()
	q1 := mustOpen(t, url, nil, false)
	var runs atomic.Int32
	started, release := make(chan string, 2), make(chan struct{})
	runWorker(t, url, "w", WorkerDeps{Funcs: map[string]pipeline.StepFunc{"work": func(ctx context.Context, _ *pipeline.Task) (any, error) {
		runs.Add(1)
		started <- "a"
		select {
		case <-release:
			return "finished", nil
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}}})
	first := make(chan error, 1)
	ctx1, cancel1 := context.WithCancel(context.Background())
	defer cancel1()
	go func() { _, err := q1.Run(ctx1, workTask(t, "j1")); first <- err }()
	receive(t, started, "started")
	q1.Close()
	select {
	case err := <-first:
		if err == nil {
			t.Fatal("the crashed controller's dispatch returned no error")
		}
	case <-time.After(wait):
		t.Fatalf("the crashed controller's dispatch did not return in %v", wait)
	}
	srv.Close()
	close(release) // finishes while NATS is down
	mustServer(t, scfg)
	q2 := mustOpen(t, url, nil, true)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	out, err := q2.Run(ctx, workTask(t, "j1"))
	if err != nil || string(out) != `"finished"` {
		t.Fatalf("the restarted controller's dispatch: %s, %v; want the recorded result", out, err)
	}
	testenv.EventuallyErr(t, wait, "the work queue empty", func() error { return queueEmpty(ctx, q2) })
	if n := runs.Load(); n != 1 {
		t.Fatalf("the step ran %d times, want 1", n)
	}
}

func queueEmpty(ctx context.Context, q *Queue) error {
	stream, err := q.js.Stream(ctx, streamName("vodedge"))
	if err != nil {
		return err
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return err
	}
	if n := info.State.Msgs; n != 0 {
		return fmt.Errorf("%d messages in the work queue", n)
	}
	return nil
}

// TestLateLeftoverEndsTheNewDispatch: an outcome of the previous
// controller's dispatch recorded after the restarted controller has
// dispatched the step again (the worker had no NATS until then) ends
// the new dispatch: Run returns it, no worker runs the new dispatch,
// and the record is removed.
func TestLateLeftoverEndsTheNewDispatch(t *testing.T) {
	srv := mustServer(t, ServerConfig{Listen: testenv.FreeAddr(t), StoreDir: t.TempDir()})
	q := mustOpen(t, srv.URL(), nil, true)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	type answer struct {
		out json.RawMessage
		err error
	}
	got := make(chan answer, 1)
	go func() { out, err := q.Run(ctx, workTask(t, "j2")); got <- answer{out, err} }()
	testenv.EventuallyErr(t, wait, "the step queued", func() error {
		if queueEmpty(ctx, q) == nil {
			return errors.New("not queued yet")
		}
		return nil
	})
	rec, _ := json.Marshal(outcome{Result: []byte(`"late"`), Job: "j2", Step: "a", Gen: q.gen - 1})
	if _, err := q.results.Put(ctx, "previous-task", rec); err != nil {
		t.Fatal(err)
	}
	a := <-got
	if a.err != nil || string(a.out) != `"late"` {
		t.Fatalf("Run: %s, %v; want the late record's result", a.out, a.err)
	}
	var runs atomic.Int32
	runWorker(t, srv.URL(), "w", WorkerDeps{Funcs: map[string]pipeline.StepFunc{"work": func(context.Context, *pipeline.Task) (any, error) {
		runs.Add(1)
		return nil, nil
	}}})
	testenv.EventuallyErr(t, wait, "the new dispatch dropped", func() error { return queueEmpty(ctx, q) })
	if n := runs.Load(); n != 0 {
		t.Fatalf("the new dispatch ran %d times", n)
	}
	if _, err := q.results.Get(ctx, "previous-task"); !errors.Is(err, jetstream.ErrKeyNotFound) {
		t.Fatalf("the late record is still there: %v", err)
	}
}

// TestWorkersTakeTheControllersSettings: a worker makes its step
// functions from the settings the controller published; a worker that
// refuses them fails the step permanently with its reason.
func TestWorkersTakeTheControllersSettings(t *testing.T) {
	srv := mustServer(t, ServerConfig{Listen: testenv.FreeAddr(t), StoreDir: t.TempDir()})
	q := mustOpen(t, srv.URL(), []byte(`{"ladder":"240p"}`), true)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()

	refuse := func(context.Context, []byte) (map[string]pipeline.StepFunc, error) {
		return nil, errors.New("settings version 9: this build understands 1")
	}
	stopOld := make(chan struct{})
	oldCtx, oldStop := context.WithCancel(ctx)
	w, err := NewWorker(ctx, WorkerConfig{URL: srv.URL(), Name: "old"}, WorkerDeps{Steps: refuse, Logger: slog.New(slog.NewTextHandler(t.Output(), nil))})
	if err != nil {
		t.Fatal(err)
	}
	go func() { w.Run(oldCtx); w.Close(); close(stopOld) }()
	_, err = q.Run(ctx, workTask(t, "j3"))
	oldStop()
	<-stopOld
	if !errors.Is(err, pipeline.ErrPermanent) || !strings.Contains(err.Error(), "worker old cannot run the controller's steps") || !strings.Contains(err.Error(), "version 9") {
		t.Fatalf("Run on a worker refusing the settings: %v; want a permanent error with its reason", err)
	}

	var seen atomic.Value
	runWorker(t, srv.URL(), "new", WorkerDeps{Steps: func(_ context.Context, b []byte) (map[string]pipeline.StepFunc, error) {
		seen.Store(string(b))
		return map[string]pipeline.StepFunc{"work": func(context.Context, *pipeline.Task) (any, error) { return "ok", nil }}, nil
	}})
	out, err := q.Run(ctx, workTask(t, "j4"))
	if err != nil || string(out) != `"ok"` {
		t.Fatalf("Run: %s, %v", out, err)
	}
	if s, _ := seen.Load().(string); s != `{"ladder":"240p"}` {
		t.Fatalf("the worker got settings %q", s)
	}
}
