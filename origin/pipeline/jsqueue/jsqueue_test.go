package jsqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/kv"
	"github.com/vodedge/vodedge/origin/pipeline"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const wait = 60 * time.Second // bound of every wait; the machine is shared

// env is an embedded NATS, a controller-side engine whose "work" steps
// go through the queue, and the workers the test starts.
type env struct {
	t      *testing.T
	srv    *Server
	scfg   ServerConfig // srv's, to start it again
	queue  *Queue
	engine *pipeline.Engine
}

// notHere is the controller's function for the queued kind: the engine
// needs one to accept the kind, and it must never be called locally.
func notHere(context.Context, *pipeline.Task) (any, error) {
	return nil, pipeline.Permanent(errors.New("a queued step ran in the controller"))
}

func newEnv(t *testing.T, ackWait time.Duration, local map[string]pipeline.StepFunc) *env {
	return newEnvWith(t, Config{AckWait: ackWait}, pipeline.Config{Workers: 4, Backoff: 10 * time.Millisecond}, local)
}

// newEnvWith is newEnv with the queue's and the engine's configs (the
// queue's URL and Kinds are filled in).
func newEnvWith(t *testing.T, qc Config, pc pipeline.Config, local map[string]pipeline.StepFunc) *env {
	scfg := ServerConfig{Listen: testenv.FreeAddr(t), StoreDir: t.TempDir()}
	srv, err := StartServer(scfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	funcs := map[string]pipeline.StepFunc{"work": notHere}
	for k, f := range local {
		funcs[k] = f
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	qc.URL, qc.Kinds = srv.URL(), []string{"work"}
	q, err := Open(ctx, qc, Deps{Fallback: pipeline.Local(funcs), Logger: slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(q.Close)
	db, err := kv.Open("db", kv.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	e, err := pipeline.New(pc, pipeline.Deps{Store: db.Bucket("jobs"), Funcs: funcs, Runner: q})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		e.Close(ctx)
	})
	return &env{t: t, srv: srv, scfg: scfg, queue: q, engine: e}
}

// worker starts a worker with fn as the "work" step; stop ends its Run
// and waits for it.
func (e *env) worker(name string, fn pipeline.StepFunc) (w *Worker, stop func()) {
	return runWorker(e.t, e.srv.URL(), name, WorkerDeps{Funcs: map[string]pipeline.StepFunc{"work": fn}})
}

func (e *env) waitJob(id string, what string, pred func(*pipeline.Job) bool) *pipeline.Job {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	j, err := e.engine.Wait(ctx, id, pred)
	if err != nil {
		e.t.Fatalf("job %s: waiting for %s: %v (%+v)", id, what, err, j)
	}
	return j
}

func jobState(s pipeline.State) func(*pipeline.Job) bool {
	return func(j *pipeline.Job) bool { return j.State == s }
}

// TestStepsRunOnWorkers: queued steps run on the workers (the
// controller's function for them fails the test if called), their
// progress reaches the engine while they run, their results reach the
// dependent step, and the other kinds run locally.
func TestStepsRunOnWorkers(t *testing.T) {
	var localRuns int
	var mu sync.Mutex // protects localRuns
	e := newEnv(t, 0, map[string]pipeline.StepFunc{"sum": func(_ context.Context, tk *pipeline.Task) (any, error) {
		mu.Lock()
		localRuns++
		mu.Unlock()
		var a, b map[string]string
		if err := errors.Join(tk.Result("a", &a), tk.Result("b", &b)); err != nil {
			return nil, err
		}
		return a["by"] + "+" + b["by"], nil
	}})
	gate := make(chan struct{})
	work := func(name string) pipeline.StepFunc {
		return func(ctx context.Context, tk *pipeline.Task) (any, error) {
			tk.Progress(0.5, "half")
			select {
			case <-gate:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
			return map[string]string{"by": "worker"}, nil
		}
	}
	e.worker("w1", work("w1"))
	e.worker("w2", work("w2"))
	j, err := e.engine.Submit(pipeline.Spec{Kind: "test", Steps: []pipeline.Step{
		{Name: "a", Kind: "work"}, {Name: "b", Kind: "work"}, {Name: "sum", Kind: "sum", Deps: []string{"a", "b"}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	// Progress does not wake Wait (it is not a change of state): poll.
	testenv.Eventually(t, wait, "both queued steps to report progress", func() bool {
		j, err := e.engine.Get(j.ID)
		return err == nil && j.Step("a").Progress == 0.5 && j.Step("b").Progress == 0.5 && j.Step("a").Detail == "half"
	})
	close(gate)
	j = e.waitJob(j.ID, "done", jobState(pipeline.Done))
	var sum string
	if err := pipeline.Result(j, "sum", &sum); err != nil || sum != "worker+worker" {
		t.Fatalf("sum = %q, %v; want worker+worker", sum, err)
	}
	mu.Lock()
	defer mu.Unlock()
	if localRuns != 1 {
		t.Fatalf("the local step ran %d times, want 1", localRuns)
	}
}

// TestDeadWorkersStepIsRedelivered: a worker that loses its connection
// mid-step stops acking; after AckWait the other worker gets the step
// and finishes it.
func TestDeadWorkersStepIsRedelivered(t *testing.T) {
	e := newEnv(t, time.Second, nil)
	started := make(chan string, 4)
	work := func(name string) pipeline.StepFunc {
		return func(ctx context.Context, tk *pipeline.Task) (any, error) {
			started <- name
			if name == "w1" {
				<-ctx.Done() // never finishes: its connection is cut below
				return nil, ctx.Err()
			}
			return name, nil
		}
	}
	w1, stop1 := e.worker("w1", work("w1"))
	j, err := e.engine.Submit(pipeline.Spec{Kind: "test", Steps: []pipeline.Step{{Name: "a", Kind: "work"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got := receive(t, started, "started"); got != "w1" {
		t.Fatalf("first run on %s, want w1 (the only worker)", got)
	}
	w1.nc.Close() // as if killed: no more acks, no Nak
	stop1()
	e.worker("w2", work("w2"))
	if got := receive(t, started, "started"); got != "w2" {
		t.Fatalf("redelivered to %s, want w2", got)
	}
	j = e.waitJob(j.ID, "done", jobState(pipeline.Done))
	var by string
	if err := pipeline.Result(j, "a", &by); err != nil || by != "w2" {
		t.Fatalf("result %q, %v; want w2", by, err)
	}
	if s := j.Step("a"); s.Attempts != 1 {
		t.Fatalf("the engine counted %d attempts; a redelivery is the same attempt", s.Attempts)
	}
}

// TestWorkerSurvivesNATSRestart: the NATS server restarts (as the
// controller's embedded one does with the controller) while a worker is
// idle; the worker and the queue reconnect, and a step submitted
// afterwards runs on the worker.
func TestWorkerSurvivesNATSRestart(t *testing.T) {
	e := newEnv(t, 0, nil)
	ran := make(chan string, 4)
	e.worker("w", func(_ context.Context, tk *pipeline.Task) (any, error) { ran <- tk.Step.Name; return tk.Step.Name, nil })
	j, err := e.engine.Submit(pipeline.Spec{Kind: "test", Steps: []pipeline.Step{{Name: "before", Kind: "work"}}})
	if err != nil {
		t.Fatal(err)
	}
	e.waitJob(j.ID, "done before the restart", jobState(pipeline.Done))
	receive(t, ran, "before the restart")
	e.srv.Close()
	srv, err := StartServer(e.scfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	j, err = e.engine.Submit(pipeline.Spec{Kind: "test", Steps: []pipeline.Step{{Name: "after", Kind: "work"}}})
	if err != nil {
		t.Fatal(err)
	}
	j = e.waitJob(j.ID, "done after the restart", func(j *pipeline.Job) bool { return j.State == pipeline.Done || j.State == pipeline.Failed })
	var by string
	if err := pipeline.Result(j, "after", &by); err != nil || by != "after" {
		t.Fatalf("after the restart: job %s, step %+v: result %q, %v", j.State, j.Step("after"), by, err)
	}
	if got := receive(t, ran, "after the restart"); got != "after" {
		t.Fatalf("ran %s, want after", got)
	}
}

// TestWorkerFollowsGenerationsAcrossNATSRestart: after NATS restarts
// under an idle worker, the worker still follows the controller's
// generation: a controller that opens the queue again stops the step the
// worker took since the restart (as TestRestartedControllerStopsStaleSteps
// without a restart).
func TestWorkerFollowsGenerationsAcrossNATSRestart(t *testing.T) {
	e := newEnv(t, 0, nil)
	started, stopped := make(chan string, 1), make(chan string, 1)
	e.worker("w", untilStopped("w", started, stopped))
	e.srv.Close()
	srv, err := StartServer(e.scfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	if _, err := e.engine.Submit(pipeline.Spec{Kind: "test", Steps: []pipeline.Step{{Name: "a", Kind: "work"}}}); err != nil {
		t.Fatal(err)
	}
	receive(t, started, "started")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	again, err := Open(ctx, Config{URL: srv.URL(), Kinds: []string{"work"}}, Deps{Fallback: pipeline.Local{}})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	receive(t, stopped, "stopped by the new generation")
}

// TestPoisonStepFails: a step that takes down every worker it lands on
// is not redelivered forever: after MaxDeliver deliveries without an
// outcome the next worker to get it records a failure naming the count
// instead of running it, and the job fails (one attempt allowed here).
func TestPoisonStepFails(t *testing.T) {
	e := newEnvWith(t, Config{AckWait: time.Second, MaxDeliver: 2}, pipeline.Config{Workers: 4, MaxAttempts: 1}, nil)
	started := make(chan string, 4)
	poison := func(ctx context.Context, tk *pipeline.Task) (any, error) {
		started <- "run"
		<-ctx.Done() // its worker dies below
		return nil, ctx.Err()
	}
	j, err := e.engine.Submit(pipeline.Spec{Kind: "test", Steps: []pipeline.Step{{Name: "a", Kind: "work"}}})
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= 2; i++ {
		w, stop := e.worker(fmt.Sprintf("w%d", i), poison)
		receive(t, started, "started")
		w.nc.Close() // as if killed by the step: no more acks, no Nak
		stop()
	}
	e.worker("w3", poison)
	j = e.waitJob(j.ID, "failed", jobState(pipeline.Failed))
	if msg := j.Step("a").Error; !strings.Contains(msg, "after 2 deliveries") {
		t.Fatalf("step error %q, want it to name the 2 deliveries", msg)
	}
	select {
	case <-started:
		t.Fatal("the step ran a third time")
	default:
	}
}

func receive(t *testing.T, ch <-chan string, what string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(wait):
		t.Fatalf("no step %s within %v", what, wait)
		return ""
	}
}

// TestRecordedTaskIsNotRunAgain: a message whose task already has a
// record (a worker recorded its outcome and died before acking) is
// acked without running the step.
func TestRecordedTaskIsNotRunAgain(t *testing.T) {
	e := newEnv(t, 0, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	id := newTaskID()
	rec, _ := json.Marshal(outcomeOf([]byte(`"first"`), nil))
	if _, err := e.queue.results.Put(ctx, id, rec); err != nil {
		t.Fatal(err)
	}
	job := &pipeline.Job{ID: "j", Steps: []*pipeline.Step{{Name: "a", Kind: "work"}}}
	body, _ := json.Marshal(task{ID: id, Job: job, Step: "a"})
	if _, err := e.queue.js.Publish(ctx, "vodedge"+stepsSuffix, body); err != nil {
		t.Fatal(err)
	}
	ran := make(chan string, 1)
	e.worker("w", func(context.Context, *pipeline.Task) (any, error) { ran <- "ran"; return nil, nil })
	testenv.EventuallyErr(t, wait, "the message acked", func() error { return queueEmpty(ctx, e.queue) })
	select {
	case <-ran:
		t.Fatal("the step ran again although its outcome was recorded")
	default:
	}
}

// TestCancelStopsTheWorkersStep: cancelling the job stops the step on
// the worker.
func TestCancelStopsTheWorkersStep(t *testing.T) {
	e := newEnv(t, 0, nil)
	started, stopped := make(chan string, 1), make(chan string, 1)
	e.worker("w", untilStopped("w", started, stopped))
	j, err := e.engine.Submit(pipeline.Spec{Kind: "test", Steps: []pipeline.Step{{Name: "a", Kind: "work"}}})
	if err != nil {
		t.Fatal(err)
	}
	receive(t, started, "started")
	if _, err := e.engine.Cancel(j.ID); err != nil {
		t.Fatal(err)
	}
	receive(t, stopped, "stopped")
	e.waitJob(j.ID, "cancelled", jobState(pipeline.Cancelled))
}

// TestOpenPurgesStaleSteps: steps still queued when the controller
// starts were dispatched by its previous run (which it dispatches again
// under new task IDs), so Open drops them.
func TestOpenPurgesStaleSteps(t *testing.T) {
	e := newEnv(t, 0, nil)
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	body, _ := json.Marshal(task{ID: newTaskID(), Job: &pipeline.Job{ID: "j", Steps: []*pipeline.Step{{Name: "a", Kind: "work"}}}, Step: "a"})
	if _, err := e.queue.js.Publish(ctx, "vodedge"+stepsSuffix, body); err != nil {
		t.Fatal(err)
	}
	stream, err := e.queue.js.Stream(ctx, streamName("vodedge"))
	if err != nil {
		t.Fatal(err)
	}
	if info, err := stream.Info(ctx); err != nil || info.State.Msgs != 1 {
		t.Fatalf("before the restart: %v, %+v; want 1 message", err, info)
	}
	again, err := Open(ctx, Config{URL: e.srv.URL(), Kinds: []string{"work"}}, Deps{Fallback: pipeline.Local{}})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	if info, err := stream.Info(ctx); err != nil || info.State.Msgs != 0 {
		t.Fatalf("after the restart: %v, %+v; want no message", err, info)
	}
}

// TestBadConfigs fail with a clear error, before connecting.
func TestBadConfigs(t *testing.T) {
	ctx := context.Background()
	if _, err := Open(ctx, Config{}, Deps{Fallback: pipeline.Local{}}); err == nil || !strings.Contains(err.Error(), "need a URL") {
		t.Errorf("Open without a URL: %v", err)
	}
	if _, err := Open(ctx, Config{URL: "nats://127.0.0.1:1", AckWait: time.Millisecond}, Deps{Fallback: pipeline.Local{}}); err == nil {
		t.Error("Open with a 1 ms AckWait: no error")
	}
	if _, err := NewWorker(ctx, WorkerConfig{URL: "nats://127.0.0.1:1"}, WorkerDeps{}); err == nil || !strings.Contains(err.Error(), "step functions") {
		t.Errorf("NewWorker without functions: %v", err)
	}
	for _, addr := range []string{"nope", "127.0.0.1:0", "127.0.0.1:99999"} {
		if _, err := StartServer(ServerConfig{Listen: addr, StoreDir: t.TempDir()}); err == nil || !strings.Contains(err.Error(), addr) {
			t.Errorf("StartServer on %q: %v", addr, err)
		}
	}
}

// TestRestartedControllerStopsStaleSteps: when a controller opens the
// queue again (a restart, which dispatches its unfinished steps anew), a
// worker stops the step the previous run gave it, so that the old and
// the new dispatch never run at once.
func TestRestartedControllerStopsStaleSteps(t *testing.T) {
	e := newEnv(t, 0, nil)
	started, stopped := make(chan string, 1), make(chan string, 1)
	e.worker("w", untilStopped("w", started, stopped))
	if _, err := e.engine.Submit(pipeline.Spec{Kind: "test", Steps: []pipeline.Step{{Name: "a", Kind: "work"}}}); err != nil {
		t.Fatal(err)
	}
	receive(t, started, "started")
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	defer cancel()
	again, err := Open(ctx, Config{URL: e.srv.URL(), Kinds: []string{"work"}}, Deps{Fallback: pipeline.Local{}})
	if err != nil {
		t.Fatal(err)
	}
	defer again.Close()
	receive(t, stopped, "stopped")
}

func TestGenerations(t *testing.T) {
	var g generations
	var stopped []string
	stop := func(id string) func() { return func() { stopped = append(stopped, id) } }
	if !g.admit("a", 10, stop("a")) || !g.admit("b", 10, stop("b")) {
		t.Fatal("tasks of the first generation refused")
	}
	g.done("b")
	g.advance(20)
	if len(stopped) != 1 || stopped[0] != "a" {
		t.Fatalf("stopped %v after a new generation, want [a]", stopped)
	}
	if g.admit("c", 10, stop("c")) {
		t.Fatal("a task of an old generation admitted")
	}
	if !g.admit("d", 30, stop("d")) || !g.admit("e", 30, stop("e")) {
		t.Fatal("tasks of a newer generation refused")
	}
}

// untilStopped is a step that says it started, runs until its context
// ends, and says it stopped, naming its worker.
func untilStopped(name string, started, stopped chan<- string) pipeline.StepFunc {
	return func(ctx context.Context, _ *pipeline.Task) (any, error) {
		started <- name
		<-ctx.Done()
		stopped <- name
		return nil, ctx.Err()
	}
}
