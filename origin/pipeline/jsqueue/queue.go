package jsqueue

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vodedge/vodedge/origin/pipeline"
)

// The defaults of Config.AckWait and Config.MaxDeliver, also what the
// controller's queue settings fall back to.
const (
	DefaultAckWait    = 30 * time.Second
	DefaultMaxDeliver = 5
)

// Config is the controller's side of the queue.
type Config struct {
	// URL of the NATS server (the embedded one's Server.URL, or an
	// external cluster's).
	URL string
	// Prefix names the stream, the results bucket and the subjects;
	// default "vodedge". Workers must use the same.
	Prefix string
	// AckWait is how long a worker may stay silent before its step is
	// handed to another worker; workers send in-progress acks three
	// times per AckWait. Default 30 s.
	AckWait time.Duration
	// Kinds are the step kinds sent to workers; the others run through
	// Deps.Fallback.
	Kinds []string
	// MaxDeliver bounds the runs of one dispatch: a step handed to
	// workers this many times without an outcome (it kills every worker
	// it lands on, or they keep losing NATS) fails with an error naming
	// the count on its next delivery, and the engine's retries apply.
	// Default 5.
	MaxDeliver int
	// Settings are what workers need to run the steps (for the
	// controller's steps, controller.StepSettings), published for
	// each generation and given to WorkerDeps.Steps. Opaque here.
	Settings []byte
}

// Deps are the queue's collaborators.
type Deps struct {
	// Fallback runs the kinds not in Config.Kinds; required.
	Fallback pipeline.Runner
	Logger   *slog.Logger
}

// Queue is a pipeline.Runner that hands steps to worker processes over
// a JetStream work queue and waits for their outcome.
type Queue struct {
	cfg     Config
	deps    Deps
	log     *slog.Logger
	remote  map[string]bool
	nc      *nats.Conn
	js      jetstream.JetStream
	results jetstream.KeyValue
	gen     int64
	// left are the outcomes of the previous run's dispatches
	// (leftovers.go), followed until stopFollow; followDone closes
	// when the follower has stopped.
	left       leftovers
	stopFollow context.CancelFunc
	followDone chan struct{}
}

var _ pipeline.Runner = (*Queue)(nil)

// Open connects and creates (or updates) the stream, its consumer and
// the results bucket.
func Open(ctx context.Context, cfg Config, deps Deps) (*Queue, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "vodedge"
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = DefaultAckWait
	}
	if cfg.MaxDeliver == 0 {
		cfg.MaxDeliver = DefaultMaxDeliver
	}
	if cfg.URL == "" || cfg.AckWait < time.Second || cfg.MaxDeliver < 1 || deps.Fallback == nil {
		return nil, fmt.Errorf("jsqueue: need a URL, AckWait of 1 s or more, MaxDeliver of 1 or more and a fallback runner (got %+v)", cfg)
	}
	q := &Queue{cfg: cfg, deps: deps, log: deps.Logger, remote: map[string]bool{}}
	if q.log == nil {
		q.log = slog.New(slog.DiscardHandler)
	}
	for _, k := range cfg.Kinds {
		q.remote[k] = true
	}
	nc, js, err := connect(cfg.URL, "vodedge-controller")
	if err != nil {
		return nil, err
	}
	q.nc, q.js = nc, js
	if err = q.declare(ctx); err == nil {
		err = q.followResults(ctx)
	}
	if err != nil {
		nc.Close()
		return nil, err
	}
	return q, nil
}

func connect(url, name string) (*nats.Conn, jetstream.JetStream, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1), nats.ReconnectWait(time.Second))
	if err != nil {
		return nil, nil, fmt.Errorf("jsqueue: connect to NATS at %s: %w", url, err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		nc.Close()
		return nil, nil, fmt.Errorf("jsqueue: %w", err)
	}
	return nc, js, nil
}

// declare creates the work-queue stream, the workers' consumer and the
// results bucket.
func (q *Queue) declare(ctx context.Context) error {
	p := q.cfg.Prefix
	stream, err := q.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: streamName(p), Subjects: []string{p + stepsSuffix}, Retention: jetstream.WorkQueuePolicy, Storage: jetstream.FileStorage,
	})
	if err != nil {
		return fmt.Errorf("jsqueue: create stream: %w", err)
	}
	// MaxDeliver stays unbounded here: workers count deliveries
	// (task.MaxDeliver), so that the delivery past the bound still
	// reaches one, which records the failure the controller waits for.
	// Steps still queued were dispatched by an earlier run of the
	// controller, which puts them back to Pending at start and
	// dispatches them again.
	if err := stream.Purge(ctx); err != nil {
		return fmt.Errorf("jsqueue: purge stale steps: %w", err)
	}
	_, err = q.js.CreateOrUpdateConsumer(ctx, streamName(p), jetstream.ConsumerConfig{
		Durable: consumerName, AckPolicy: jetstream.AckExplicitPolicy, AckWait: q.cfg.AckWait, MaxDeliver: -1,
	})
	if err != nil {
		return fmt.Errorf("jsqueue: create consumer: %w", err)
	}
	q.results, err = q.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: bucketName(p), TTL: 24 * time.Hour, Storage: jetstream.FileStorage})
	if err != nil {
		return fmt.Errorf("jsqueue: create results bucket: %w", err)
	}
	return q.newGeneration(ctx)
}

// newGeneration records this controller's generation (genKey).
func (q *Queue) newGeneration(ctx context.Context) error {
	b, err := q.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{Bucket: controllerBucket(q.cfg.Prefix), Storage: jetstream.FileStorage})
	if err != nil {
		return fmt.Errorf("jsqueue: create controller bucket: %w", err)
	}
	// Above the last one even if the clock went back (a controller
	// moved to another host): workers refuse older generations.
	q.gen = time.Now().UnixNano()
	if e, err := b.Get(ctx, genKey); err == nil {
		if last, err := strconv.ParseInt(string(e.Value()), 10, 64); err == nil && last >= q.gen {
			q.gen = last + 1
		}
	}
	if _, err := b.Put(ctx, settingsKey(q.gen), q.cfg.Settings); err != nil {
		return fmt.Errorf("jsqueue: record the step settings: %w", err)
	}
	if _, err := b.Put(ctx, genKey, strconv.AppendInt(nil, q.gen, 10)); err != nil {
		return fmt.Errorf("jsqueue: record generation: %w", err)
	}
	return nil
}

func streamName(prefix string) string       { return prefix + "_steps" }
func bucketName(prefix string) string       { return prefix + "_results" }
func controllerBucket(prefix string) string { return prefix + "_controller" }

// Close closes the connection; steps still waiting return errors.
func (q *Queue) Close() {
	q.stopFollow()
	<-q.followDone
	q.nc.Close()
}

// Run publishes the step and waits for its outcome in the results
// bucket, passing the worker's progress to t. When ctx ends it tells the
// worker to stop and returns ctx's error.
func (q *Queue) Run(ctx context.Context, t *pipeline.Task) (json.RawMessage, error) {
	if !q.remote[t.Step.Kind] {
		return q.deps.Fallback.Run(ctx, t)
	}
	k := stepKey(t.Job.ID, t.Step.Name)
	lo, ok, late := q.left.claim(k)
	if ok {
		return q.takeLeftover(ctx, lo)
	}
	defer q.left.release(k, late)
	id := newTaskID()
	w, err := q.results.Watch(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("jsqueue: watch result: %w", err)
	}
	defer w.Stop()
	sub, err := q.nc.Subscribe(q.cfg.Prefix+progressSuffix+"."+id, func(m *nats.Msg) {
		var p progress
		if json.Unmarshal(m.Data, &p) == nil {
			t.Progress(p.Fraction, p.Detail)
		}
	})
	if err != nil {
		return nil, fmt.Errorf("jsqueue: subscribe to progress: %w", err)
	}
	defer sub.Unsubscribe()
	if err := q.publish(ctx, id, t); err != nil {
		// The message may be stored although its acknowledgement did
		// not arrive (ctx ended while waiting, a timeout): make sure no
		// worker runs it, or that the one running it stops.
		q.cancel(id)
		return nil, err
	}
	return q.await(ctx, id, t, w, late)
}

func (q *Queue) publish(ctx context.Context, id string, t *pipeline.Task) error {
	body, err := json.Marshal(task{ID: id, Job: t.Job, Step: t.Step.Name, Gen: q.gen, MaxDeliver: q.cfg.MaxDeliver})
	if err != nil {
		return pipeline.Permanent(err)
	}
	if _, err := q.js.Publish(ctx, q.cfg.Prefix+stepsSuffix, body); err != nil {
		return fmt.Errorf("jsqueue: queue step %s: %w", t.Step.Name, err)
	}
	q.log.Debug("step queued", "job", t.Job.ID, "step", t.Step.Name, "task", id)
	return nil
}

// await waits for the task's record.
// A leftover of the step (late) ends the wait too: the new dispatch is
// cancelled and the leftover's answer returned.
func (q *Queue) await(ctx context.Context, id string, t *pipeline.Task, w jetstream.KeyWatcher, late <-chan leftover) (json.RawMessage, error) {
	for {
		select {
		case lo := <-late:
			q.cancel(id)
			return q.takeLeftover(ctx, lo)
		case e, ok := <-w.Updates():
			if !ok {
				return nil, errors.New("jsqueue: result watch ended (connection closed)")
			}
			if e == nil || e.Operation() != jetstream.KeyValuePut {
				continue
			}
			var o outcome
			if err := json.Unmarshal(e.Value(), &o); err != nil {
				return nil, fmt.Errorf("jsqueue: result of step %s: %w", t.Step.Name, err)
			}
			q.results.Purge(context.WithoutCancel(ctx), id)
			return o.answer()
		case <-ctx.Done():
			q.cancel(id)
			return nil, ctx.Err()
		}
	}
}

// cancel stops a task: a record in the results bucket keeps a worker
// that has not taken it yet from running it, and a message stops the
// worker running it now.
func (q *Queue) cancel(id string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b, _ := json.Marshal(outcome{Error: "cancelled by the controller"})
	q.results.Create(ctx, id, b)
	q.nc.Publish(q.cfg.Prefix+cancelSuffix+"."+id, nil)
}
