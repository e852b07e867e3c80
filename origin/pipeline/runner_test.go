package pipeline

import (
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"

	"github.com/vodedge/vodedge/origin/kv"
)

// recordingRunner runs steps through Local and records the step names
// it was given, the way a work-queue runner sits between the loop and
// the step functions.
type recordingRunner struct {
	local Local
	mu    sync.Mutex // protects names
	names []string
}

func (r *recordingRunner) Run(ctx context.Context, t *Task) (json.RawMessage, error) {
	r.mu.Lock()
	r.names = append(r.names, t.Step.Name)
	r.mu.Unlock()
	t.Progress(2, "clamped") // out of range: the task clamps it
	return r.local.Run(ctx, t)
}

func TestRunnerSeam(t *testing.T) {
	funcs := map[string]StepFunc{
		"a": func(context.Context, *Task) (any, error) { return map[string]int{"n": 1}, nil },
		"b": func(_ context.Context, t *Task) (any, error) {
			var in map[string]int
			if err := t.Result("a", &in); err != nil {
				return nil, err
			}
			return map[string]int{"n": in["n"] + 1}, nil
		},
	}
	rr := &recordingRunner{local: Local(funcs)}
	db, err := kv.Open("db", kv.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	e, err := New(Config{Workers: 2}, Deps{Store: db.Bucket("jobs"), Funcs: funcs, Runner: rr})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.Start(); err != nil {
		t.Fatal(err)
	}
	defer e.Close(context.Background())
	j, err := e.Submit(Spec{Kind: "k", Steps: []Step{{Name: "a", Kind: "a"}, {Name: "b", Kind: "b", Deps: []string{"a"}}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	j, err = e.Wait(ctx, j.ID, func(j *Job) bool { return j.State == Done })
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]int
	if err := Result(j, "b", &out); err != nil || out["n"] != 2 {
		t.Fatalf("b's result %v, %v; want n=2", out, err)
	}
	rr.mu.Lock()
	defer rr.mu.Unlock()
	if len(rr.names) != 2 || rr.names[0] != "a" || rr.names[1] != "b" {
		t.Fatalf("the runner ran %v; want [a b]", rr.names)
	}
}

func TestLocalRunnerRecoversPanicAndUnknownKind(t *testing.T) {
	job := &Job{ID: "j", Steps: []*Step{{Name: "s", Kind: "boom"}, {Name: "u", Kind: "none"}}}
	l := Local{"boom": func(context.Context, *Task) (any, error) { panic("bad step") }}
	for _, name := range []string{"s", "u"} {
		task, err := NewTask(job, name, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Run(context.Background(), task); !errors.Is(err, ErrPermanent) {
			t.Errorf("step %s: err %v, want a permanent error", name, err)
		}
	}
	if _, err := NewTask(job, "missing", nil); !errors.Is(err, ErrInvalid) {
		t.Errorf("NewTask of a missing step: %v, want ErrInvalid", err)
	}
}
