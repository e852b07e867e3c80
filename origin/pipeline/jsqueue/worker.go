package jsqueue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/vodedge/vodedge/origin/pipeline"
)

// WorkerConfig is a worker process's side of the queue.
type WorkerConfig struct {
	// URL of the NATS server; Prefix as the controller's (default
	// "vodedge").
	URL, Prefix string
	// Slots is how many steps this worker runs at once; default 1.
	Slots int
	// Name identifies the worker in NATS and in logs.
	Name string
}

// WorkerDeps are a worker's collaborators.
type WorkerDeps struct {
	// Steps makes the step functions by kind from the settings the
	// controller published (Config.Settings) for the generation whose
	// steps the worker runs; it is called once per generation. An error
	// (settings this build does not understand) fails the
	// generation's steps with it, permanently, unless ctx ended (the
	// worker is stopping).
	Steps func(ctx context.Context, settings []byte) (map[string]pipeline.StepFunc, error)
	// Funcs, instead of Steps, are fixed step functions (the
	// controller's in-process worker, which has the settings already).
	Funcs  map[string]pipeline.StepFunc
	Logger *slog.Logger
}

// Worker pulls steps from the queue and runs them.
type Worker struct {
	cfg     WorkerConfig
	fixed   map[string]pipeline.StepFunc // WorkerDeps.Funcs
	steps   func(context.Context, []byte) (map[string]pipeline.StepFunc, error)
	sets    stepSets
	done    finished
	log     *slog.Logger
	nc      *nats.Conn
	cons    jetstream.Consumer
	results jetstream.KeyValue
	ctl     jetstream.KeyValue // holds genKey
	gens    generations
	ackWait time.Duration
	// reconnected gets a value after NATS reconnects (buffered, never
	// blocks the client): the generation watch is set up again.
	reconnected chan struct{}
}

// NewWorker connects and finds the queue, waiting (until ctx ends) for
// the controller to have declared it.
func NewWorker(ctx context.Context, cfg WorkerConfig, deps WorkerDeps) (*Worker, error) {
	if cfg.Prefix == "" {
		cfg.Prefix = "vodedge"
	}
	if cfg.Slots == 0 {
		cfg.Slots = 1
	}
	if cfg.URL == "" || cfg.Slots < 1 || (len(deps.Funcs) == 0) == (deps.Steps == nil) {
		return nil, fmt.Errorf("jsqueue: a worker needs a URL, 1 or more slots and either step functions or a maker of them (got %+v)", cfg)
	}
	w := &Worker{cfg: cfg, fixed: deps.Funcs, steps: deps.Steps, log: deps.Logger, reconnected: make(chan struct{}, 1)}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	nc, js, err := connect(cfg.URL, "vodedge-worker "+cfg.Name)
	if err != nil {
		return nil, err
	}
	w.nc = nc
	nc.SetReconnectHandler(func(*nats.Conn) {
		w.log.Info("reconnected to NATS", "url", nc.ConnectedUrlRedacted())
		select {
		case w.reconnected <- struct{}{}:
		default:
		}
	})
	if err := w.find(ctx, js); err != nil {
		nc.Close()
		return nil, err
	}
	return w, nil
}

// find looks up the consumer and results bucket, retrying while the
// controller has not created them yet.
func (w *Worker) find(ctx context.Context, js jetstream.JetStream) error {
	for {
		err := w.lookup(ctx, js)
		if err == nil {
			return nil
		}
		w.log.Info("waiting for the controller's step queue", "err", err)
		select {
		case <-ctx.Done():
			return fmt.Errorf("jsqueue: find the step queue: %w", err)
		case <-time.After(time.Second):
		}
	}
}

func (w *Worker) lookup(ctx context.Context, js jetstream.JetStream) error {
	cons, err := js.Consumer(ctx, streamName(w.cfg.Prefix), consumerName)
	if err != nil {
		return err
	}
	results, err := js.KeyValue(ctx, bucketName(w.cfg.Prefix))
	if err != nil {
		return err
	}
	ctl, err := js.KeyValue(ctx, controllerBucket(w.cfg.Prefix))
	if err != nil {
		return err
	}
	w.cons, w.results, w.ctl = cons, results, ctl
	w.ackWait = cons.CachedInfo().Config.AckWait
	return nil
}

// Close closes the connection.
func (w *Worker) Close() { w.nc.Close() }

// Run runs steps on Slots goroutines until ctx ends. A step interrupted
// by ctx is handed back to the queue at once (Nak) for another worker.
func (w *Worker) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	wg.Go(func() { w.watchGenerations(ctx) })
	for range w.cfg.Slots {
		wg.Go(func() { w.slot(ctx) })
	}
	wg.Wait()
	return nil
}

// slot takes one message at a time.
func (w *Worker) slot(ctx context.Context) {
	for ctx.Err() == nil {
		batch, err := w.cons.Fetch(1, jetstream.FetchMaxWait(2*time.Second))
		if err != nil {
			w.pause(ctx, err)
			continue
		}
		for m := range batch.Messages() {
			w.handle(ctx, m)
		}
		if err := batch.Error(); err != nil && !errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			w.pause(ctx, err)
		}
	}
}

func (w *Worker) pause(ctx context.Context, err error) {
	w.log.Warn("cannot fetch from the step queue; retrying", "err", err)
	select {
	case <-ctx.Done():
	case <-time.After(time.Second):
	}
}
