package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"runtime"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/origin/kv"
)

// StepFunc runs one step. It must honour ctx (cancellation, shutdown),
// be idempotent (it may run again after a crash), and return the step's
// result, stored as JSON and readable by dependent steps.
type StepFunc func(ctx context.Context, t *Task) (any, error)

// Config tunes the engine. Zero fields take the defaults.
type Config struct {
	// Workers bounds the steps running at once; default runtime.NumCPU().
	Workers int
	// MaxAttempts per step, including the first; default 3.
	MaxAttempts int
	// Backoff before the first retry, doubling up to MaxBackoff;
	// defaults 2 s and 1 min.
	Backoff, MaxBackoff time.Duration
	// Retain is how long done and cancelled jobs are kept (failed and
	// held ones stay until retried or cancelled); default 30 days.
	Retain time.Duration
}

// DefaultConfig is one worker per CPU, three attempts, 2 s..1 min backoff.
func DefaultConfig() Config {
	return Config{Workers: runtime.NumCPU(), MaxAttempts: 3, Backoff: 2 * time.Second, MaxBackoff: time.Minute, Retain: 30 * 24 * time.Hour}
}

func (c *Config) validate() error {
	d := DefaultConfig()
	if c.Workers == 0 {
		c.Workers = d.Workers
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = d.MaxAttempts
	}
	if c.Backoff == 0 {
		c.Backoff = d.Backoff
	}
	if c.MaxBackoff == 0 {
		c.MaxBackoff = max(d.MaxBackoff, c.Backoff)
	}
	if c.Retain == 0 {
		c.Retain = d.Retain
	}
	if c.Workers < 1 || c.Workers > 256 || c.MaxAttempts < 1 || c.Backoff < 0 || c.MaxBackoff < c.Backoff || c.Retain < 0 {
		return fmt.Errorf("%w: config %+v", ErrInvalid, *c)
	}
	return nil
}

// Deps are the engine's collaborators.
type Deps struct {
	// Store holds one record per job; required.
	Store *kv.Bucket
	// Funcs maps step kinds to functions; required: Submit accepts only
	// steps of these kinds.
	Funcs map[string]StepFunc
	// Runner runs the runnable steps; nil is Local(Funcs), every step in
	// this process.
	Runner Runner
	// Logger, Registerer: nil discards logs and metrics.
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	// Now is the clock for timestamps; default time.Now.
	Now func() time.Time
}

// Engine runs jobs. Create with New, then Start; Close stops it.
type Engine struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	m    *metrics

	cmds    chan command
	results chan result
	stop    chan struct{}
	done    chan struct{}
	once    sync.Once

	mu struct {
		sync.Mutex
		snap    map[string]*Job // immutable copies published by the loop
		order   []string        // job IDs in creation order
		changed chan struct{}   // closed and replaced at each change
	}
	progress progressTable

	// Owned by the loop goroutine only.
	jobs    map[string]*Job
	order   []string
	cancels map[stepKey]context.CancelFunc
	running int
}

type stepKey struct{ job, step string }

// New validates cfg and builds an engine; nothing runs until Start.
func New(cfg Config, deps Deps) (*Engine, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if deps.Store == nil || deps.Funcs == nil {
		return nil, fmt.Errorf("%w: Store and Funcs are required", ErrInvalid)
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Runner == nil {
		deps.Runner = Local(deps.Funcs)
	}
	m, err := newMetrics(deps.Registerer)
	if err != nil {
		return nil, err
	}
	e := &Engine{
		cfg: cfg, deps: deps, log: deps.Logger, m: m,
		cmds: make(chan command), results: make(chan result, cfg.Workers),
		stop: make(chan struct{}), done: make(chan struct{}),
		jobs: map[string]*Job{}, cancels: map[stepKey]context.CancelFunc{},
	}
	e.mu.snap = map[string]*Job{}
	e.mu.changed = make(chan struct{})
	e.progress.m = map[stepKey]progressValue{}
	return e, nil
}

// Start loads the persisted jobs, puts interrupted steps back to
// Pending, deletes finished jobs past Retain, and starts scheduling.
func (e *Engine) Start() error {
	if err := e.load(); err != nil {
		return err
	}
	e.prune()
	go e.loop()
	return nil
}

// Close stops scheduling, cancels running steps and waits for them until
// ctx ends. Steps it interrupts run again after the next Start. It is
// safe to call more than once.
func (e *Engine) Close(ctx context.Context) error {
	e.once.Do(func() { close(e.stop) })
	select {
	case <-e.done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("pipeline: close: %w", ctx.Err())
	}
}

// Submit records a new job and schedules it.
func (e *Engine) Submit(spec Spec) (*Job, error) {
	if err := spec.validate(e.deps.Funcs); err != nil {
		return nil, err
	}
	r := e.call(command{op: opSubmit, spec: spec})
	return r.job, r.err
}

// Cancel cancels a job: running steps are stopped, pending ones cancelled.
func (e *Engine) Cancel(id string) (*Job, error) {
	r := e.call(command{op: opCancel, id: id})
	return r.job, r.err
}

// Retry puts a job's failed and cancelled steps back to Pending with
// fresh attempts.
func (e *Engine) Retry(id string) (*Job, error) {
	r := e.call(command{op: opRetry, id: id})
	return r.job, r.err
}

// Release lets a Held step run again (after an operator approved what it
// was held for).
func (e *Engine) Release(id, step string) (*Job, error) {
	r := e.call(command{op: opRelease, id: id, step: step})
	return r.job, r.err
}

func (e *Engine) call(c command) reply {
	c.reply = make(chan reply, 1)
	select {
	case e.cmds <- c:
		return <-c.reply
	case <-e.done:
		return reply{err: ErrClosed}
	case <-e.stop:
		return reply{err: ErrClosed}
	}
}

// Get returns a copy of the job with its live progress.
func (e *Engine) Get(id string) (*Job, error) {
	e.mu.Lock()
	j, ok := e.mu.snap[id]
	e.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
	}
	return e.withProgress(j), nil
}

// List returns copies of the jobs, newest first, that match keep (nil
// keeps all), at most limit of them (0 means all).
func (e *Engine) List(keep func(*Job) bool, limit int) []*Job {
	e.mu.Lock()
	jobs := make([]*Job, 0, len(e.mu.order))
	for i := len(e.mu.order) - 1; i >= 0; i-- {
		jobs = append(jobs, e.mu.snap[e.mu.order[i]])
	}
	e.mu.Unlock()
	var out []*Job
	for _, j := range jobs {
		if (keep == nil || keep(j)) && (limit == 0 || len(out) < limit) {
			out = append(out, e.withProgress(j))
		}
	}
	return out
}

// Changed returns a channel closed at the next change of any job, for
// callers that wait for a state.
func (e *Engine) Changed() <-chan struct{} {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.mu.changed
}

// Wait blocks until pred(job) holds or ctx ends.
func (e *Engine) Wait(ctx context.Context, id string, pred func(*Job) bool) (*Job, error) {
	for {
		ch := e.Changed()
		j, err := e.Get(id)
		if err != nil || pred(j) {
			return j, err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return j, ctx.Err()
		}
	}
}

// Result decodes the result of a done step into v.
func Result(j *Job, step string, v any) error {
	s := j.Step(step)
	if s == nil || s.State != Done {
		return fmt.Errorf("%w: step %s of job %s has no result", ErrNotFound, step, j.ID)
	}
	return json.Unmarshal(s.Result, v)
}
