package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/kv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness is an engine on an in-memory Pebble that can be restarted.
type harness struct {
	t     *testing.T
	fs    vfs.FS
	db    *kv.DB
	e     *Engine
	reg   *prometheus.Registry
	funcs map[string]StepFunc
	cfg   Config
}

func newHarness(t *testing.T, cfg Config, funcs map[string]StepFunc) *harness {
	h := &harness{t: t, fs: vfs.NewMem(), funcs: funcs, cfg: cfg}
	h.start()
	t.Cleanup(h.stop)
	return h
}

func (h *harness) start() {
	db, err := kv.Open("db", kv.Options{FS: h.fs})
	if err != nil {
		h.t.Fatal(err)
	}
	h.reg = prometheus.NewRegistry()
	e, err := New(h.cfg, Deps{Store: db.Bucket("jobs"), Funcs: h.funcs, Registerer: h.reg})
	if err != nil {
		h.t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		h.t.Fatal(err)
	}
	h.db, h.e = db, e
}

func (h *harness) stop() {
	if h.e == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := h.e.Close(ctx); err != nil {
		h.t.Error(err)
	}
	h.db.Close()
	h.e = nil
}

func (h *harness) wait(id string, want State) *Job {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	j, err := h.e.Wait(ctx, id, func(j *Job) bool { return j.State == want })
	if err != nil {
		h.t.Fatalf("job %s: waiting for %s: %v; job is %s: %s", id, want, err, j.State, describe(j))
	}
	return j
}

func describe(j *Job) string {
	if j == nil {
		return "<nil>"
	}
	var parts []string
	for _, s := range j.Steps {
		parts = append(parts, fmt.Sprintf("%s=%s(%d %s)", s.Name, s.State, s.Attempts, s.Error))
	}
	return strings.Join(parts, " ")
}

func graph() Spec {
	return Spec{Kind: "test", Subject: "t1", Steps: []Step{
		{Name: "probe", Kind: "probe", State: Done, Result: json.RawMessage(`{"height":240}`)},
		{Name: "enc/a", Kind: "enc", Deps: []string{"probe"}, Args: json.RawMessage(`"a"`)},
		{Name: "enc/b", Kind: "enc", Deps: []string{"probe"}, Args: json.RawMessage(`"b"`)},
		{Name: "enc/c", Kind: "enc", Deps: []string{"probe"}, Args: json.RawMessage(`"c"`)},
		{Name: "package", Kind: "package", Deps: []string{"enc/a", "enc/b", "enc/c"}},
	}}
}

func TestGraphRunsInOrderWithBoundedWorkers(t *testing.T) {
	var running, peak atomic.Int32
	var mu sync.Mutex
	var order []string
	enc := func(ctx context.Context, task *Task) (any, error) {
		n := running.Add(1)
		defer running.Add(-1)
		for p := peak.Load(); n > p && !peak.CompareAndSwap(p, n); p = peak.Load() {
		}
		var probe struct{ Height int }
		var name string
		if err := task.Result("probe", &probe); err != nil || task.Args(&name) != nil {
			return nil, Permanent(fmt.Errorf("no probe result: %v", err))
		}
		task.Progress(0.5, "half")
		time.Sleep(30 * time.Millisecond)
		mu.Lock()
		order = append(order, name)
		mu.Unlock()
		return map[string]int{"height": probe.Height}, nil
	}
	pkg := func(ctx context.Context, task *Task) (any, error) {
		var out struct{ Height int }
		for _, n := range []string{"enc/a", "enc/b", "enc/c"} {
			if err := task.Result(n, &out); err != nil || out.Height != 240 {
				return nil, Permanent(fmt.Errorf("%s: %v", n, err))
			}
		}
		mu.Lock()
		order = append(order, "package")
		mu.Unlock()
		return "ok", nil
	}
	h := newHarness(t, Config{Workers: 2}, map[string]StepFunc{"enc": enc, "package": pkg})
	j, err := h.e.Submit(graph())
	if err != nil {
		t.Fatal(err)
	}
	if j.State != Queued {
		t.Errorf("new job state %s", j.State)
	}
	j = h.wait(j.ID, Done)
	if peak.Load() != 2 {
		t.Errorf("peak parallelism %d, want 2", peak.Load())
	}
	if len(order) != 4 || order[3] != "package" {
		t.Errorf("order %v", order)
	}
	if s := j.Step("package"); string(s.Result) != `"ok"` || s.Attempts != 1 || s.Progress != 1 {
		t.Errorf("package step %+v", s)
	}
	// The loop wakes waiters before it updates the job gauges: give it
	// time to.
	testenv.EventuallyErr(t, 10*time.Second, "the jobs gauge to count the done job", func() error {
		if got := testutil.ToFloat64(h.e.m.jobs.WithLabelValues("done")); got != 1 {
			return fmt.Errorf("jobs{done} = %v", got)
		}
		return nil
	})
	if n := testutil.CollectAndCount(h.e.m.duration); n != 2 {
		t.Errorf("duration series = %d, want 2 (enc, package)", n)
	}
}

func TestRetriesWithBackoffThenPermanent(t *testing.T) {
	var calls atomic.Int32
	flaky := func(ctx context.Context, task *Task) (any, error) {
		if calls.Add(1) < 3 {
			return nil, errors.New("transient")
		}
		return 1, nil
	}
	broken := func(ctx context.Context, task *Task) (any, error) {
		return nil, Permanent(errors.New("corrupt source"))
	}
	h := newHarness(t, Config{Workers: 1, MaxAttempts: 3, Backoff: 20 * time.Millisecond}, map[string]StepFunc{"flaky": flaky, "broken": broken})
	j1, _ := h.e.Submit(Spec{Steps: []Step{{Name: "s", Kind: "flaky"}}})
	j2, _ := h.e.Submit(Spec{Steps: []Step{{Name: "s", Kind: "broken"}, {Name: "after", Kind: "flaky", Deps: []string{"s"}}}})
	start := time.Now()
	j1 = h.wait(j1.ID, Done)
	if s := j1.Steps[0]; s.Attempts != 3 || time.Since(start) < 60*time.Millisecond {
		t.Errorf("flaky: attempts %d after %v (want 3 after ≥ 20+40 ms)", s.Attempts, time.Since(start))
	}
	j2 = h.wait(j2.ID, Failed)
	if s := j2.Steps[0]; s.Attempts != 1 || !strings.Contains(s.Error, "corrupt source") || j2.Steps[1].State != Pending {
		t.Errorf("broken: %s", describe(j2))
	}
	if got := testutil.ToFloat64(h.e.m.failures.WithLabelValues("flaky")); got != 2 {
		t.Errorf("failures{flaky} = %v", got)
	}
}

func TestHoldAndRelease(t *testing.T) {
	var approved atomic.Bool
	publish := func(ctx context.Context, task *Task) (any, error) {
		if !approved.Load() {
			return nil, fmt.Errorf("qc failed: %w", ErrHold)
		}
		return "published", nil
	}
	h := newHarness(t, Config{Workers: 1}, map[string]StepFunc{"publish": publish})
	j, _ := h.e.Submit(Spec{Steps: []Step{{Name: "publish", Kind: "publish"}}})
	h.wait(j.ID, Held)
	if _, err := h.e.Release(j.ID, "nope"); !errors.Is(err, ErrInvalid) {
		t.Errorf("release unknown step: %v", err)
	}
	approved.Store(true)
	if _, err := h.e.Release(j.ID, "publish"); err != nil {
		t.Fatal(err)
	}
	h.wait(j.ID, Done)
}

func TestCancelStopsRunningStepAndRetryResumes(t *testing.T) {
	started := make(chan struct{}, 4)
	var block atomic.Bool
	block.Store(true)
	slow := func(ctx context.Context, task *Task) (any, error) {
		started <- struct{}{}
		if block.Load() {
			<-ctx.Done()
			return nil, ctx.Err()
		}
		return "ok", nil
	}
	h := newHarness(t, Config{Workers: 2}, map[string]StepFunc{"slow": slow})
	j, _ := h.e.Submit(Spec{Steps: []Step{{Name: "a", Kind: "slow"}, {Name: "b", Kind: "slow", Deps: []string{"a"}}}})
	<-started
	if _, err := h.e.Cancel(j.ID); err != nil {
		t.Fatal(err)
	}
	j = h.wait(j.ID, Cancelled)
	if j.Steps[0].State != Cancelled || j.Steps[1].State != Cancelled {
		t.Errorf("after cancel: %s", describe(j))
	}
	block.Store(false)
	h.e.Retry(j.ID)
	h.wait(j.ID, Done)
	if _, err := h.e.Cancel("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("cancel unknown: %v", err)
	}
}

// TestResumeAfterRestart stops the engine while one step of three runs:
// after a restart the done step is not run again, the interrupted one
// runs again without losing an attempt, and the job completes.
func TestResumeAfterRestart(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	gate := make(chan struct{})
	step := func(ctx context.Context, task *Task) (any, error) {
		mu.Lock()
		calls[task.Step.Name]++
		mu.Unlock()
		if task.Step.Name == "two" {
			select {
			case <-gate:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		return task.Step.Name, nil
	}
	h := newHarness(t, Config{Workers: 1, MaxAttempts: 1}, map[string]StepFunc{"s": step})
	j, _ := h.e.Submit(Spec{Steps: []Step{{Name: "one", Kind: "s"}, {Name: "two", Kind: "s", Deps: []string{"one"}}, {Name: "three", Kind: "s", Deps: []string{"two"}}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h.e.Wait(ctx, j.ID, func(j *Job) bool { return j.Step("two").State == Running })
	h.stop()
	close(gate)
	h.start()
	j = h.wait(j.ID, Done)
	mu.Lock()
	defer mu.Unlock()
	if calls["one"] != 1 || calls["two"] != 2 || calls["three"] != 1 {
		t.Errorf("calls %v; want one:1 two:2 three:1", calls)
	}
	if s := j.Step("two"); s.Attempts != 1 {
		t.Errorf("interrupted step used %d attempts", s.Attempts)
	}
}

// TestRecoverCrashedRecord loads a record written by a controller that
// crashed with a step Running: the step runs again.
func TestRecoverCrashedRecord(t *testing.T) {
	var calls atomic.Int32
	h := newHarness(t, Config{Workers: 1, MaxAttempts: 2}, map[string]StepFunc{"s": func(context.Context, *Task) (any, error) {
		calls.Add(1)
		return nil, nil
	}})
	h.stop()
	db, _ := kv.Open("db", kv.Options{FS: h.fs})
	crashed := &Job{ID: "000000000001abcdef", State: Running, Steps: []*Step{
		{Name: "done", Kind: "s", State: Done, Attempts: 1},
		{Name: "was-running", Kind: "s", State: Running, Attempts: 1, Deps: []string{"done"}},
		{Name: "too-often", Kind: "s", State: Running, Attempts: 2},
	}}
	db.Bucket("jobs").Put(crashed.ID, crashed)
	db.Close()
	h.start()
	j := h.wait(crashed.ID, Failed)
	if j.Step("was-running").State != Done || calls.Load() != 1 || !strings.Contains(j.Step("too-often").Error, "interrupted 2 times") {
		t.Errorf("calls %d: %s", calls.Load(), describe(j))
	}
}

func TestSubmitValidates(t *testing.T) {
	h := newHarness(t, Config{Workers: 1}, map[string]StepFunc{"s": func(context.Context, *Task) (any, error) { return nil, nil }})
	bad := []Spec{
		{},
		{Steps: []Step{{Name: "a", Kind: "unknown"}}},
		{Steps: []Step{{Name: "a", Kind: "s", Deps: []string{"b"}}, {Name: "b", Kind: "s"}}},
		{Steps: []Step{{Name: "a", Kind: "s"}, {Name: "a", Kind: "s"}}},
	}
	for i, s := range bad {
		if _, err := h.e.Submit(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("spec %d: err = %v", i, err)
		}
	}
	if _, err := New(Config{Workers: -1}, Deps{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad config: %v", err)
	}
}

func TestPanicIsPermanentFailure(t *testing.T) {
	h := newHarness(t, Config{Workers: 1}, map[string]StepFunc{"s": func(context.Context, *Task) (any, error) { panic("boom") }})
	j, _ := h.e.Submit(Spec{Steps: []Step{{Name: "a", Kind: "s"}}})
	j = h.wait(j.ID, Failed)
	if !strings.Contains(j.Steps[0].Error, "boom") || j.Steps[0].Attempts != 1 {
		t.Errorf("%s", describe(j))
	}
}

func TestRetentionDeletesOldFinishedJobs(t *testing.T) {
	clock := testenv.NewClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	fs := vfs.NewMem()
	open := func() (*kv.DB, *Engine) {
		db, _ := kv.Open("db", kv.Options{FS: fs})
		e, err := New(Config{Workers: 1, Retain: 24 * time.Hour}, Deps{Store: db.Bucket("jobs"), Now: clock.Now,
			Funcs: map[string]StepFunc{"ok": func(context.Context, *Task) (any, error) { return nil, nil },
				"bad": func(context.Context, *Task) (any, error) { return nil, Permanent(errors.New("no")) }}})
		if err != nil {
			t.Fatal(err)
		}
		e.Start()
		return db, e
	}
	db, e := open()
	done, _ := e.Submit(Spec{Steps: []Step{{Name: "a", Kind: "ok"}}})
	failed, _ := e.Submit(Spec{Steps: []Step{{Name: "a", Kind: "bad"}}})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	e.Wait(ctx, done.ID, func(j *Job) bool { return j.State == Done })
	e.Wait(ctx, failed.ID, func(j *Job) bool { return j.State == Failed })
	e.Close(ctx)
	db.Close()
	clock.Advance(48 * time.Hour)
	db, e = open() // pruning runs at start
	defer func() { e.Close(ctx); db.Close() }()
	if _, err := e.Get(done.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("old done job kept: %v", err)
	}
	if _, err := e.Get(failed.ID); err != nil {
		t.Errorf("failed job deleted: %v", err)
	}
	if n := len(e.List(nil, 0)); n != 1 {
		t.Errorf("%d jobs listed", n)
	}
}
