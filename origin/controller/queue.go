package controller

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/pipeline/jsqueue"
)

// Queue is where the pipeline runs its heavy steps (queuedKinds).
// The default, EngineLocal, runs every step in the controller: one
// process, nothing more to install or start, which is what a single host
// and `vodedge demo` want (an embedded NATS would add its start-up and a
// second store under --data for no gain there). EngineNATS sends those
// steps through a NATS JetStream work queue to `vodedge origin worker`
// processes (origin/pipeline/jsqueue).
type Queue struct {
	// Engine is EngineLocal ("" too) or EngineNATS.
	Engine string
	// NATS is an external NATS server's URL; "" embeds one, with its
	// JetStream storage under DataDir/nats, listening on Listen
	// (default 127.0.0.1:4222) for the workers.
	NATS, Listen string
	// AckWait: a worker silent this long has its step handed to another
	// one; default 30 s.
	AckWait time.Duration
	// MaxDeliver: a step handed to workers this many times without an
	// outcome (it kills the workers it lands on) fails; default 5.
	MaxDeliver int
	// Workers is how many queued steps the controller runs itself (an
	// in-process worker); default 0, the worker processes run them all.
	Workers int
}

// Engines.
const (
	EngineLocal = "local"
	EngineNATS  = "nats"
)

// queuedKinds are the steps that go to workers with EngineNATS: the
// encodes and checks, which read the source and write the work
// directory. The others (package, publish, storage class) read the
// catalog and stay in the controller.
var queuedKinds = []string{stepQC, stepTranscode, stepChunk, stepJoin}

func (q *Queue) validate() error {
	switch q.Engine {
	case "", EngineLocal:
		q.Engine = EngineLocal
		return nil
	case EngineNATS:
	default:
		return fmt.Errorf("%w: engine %q: want %s or %s", ErrConfig, q.Engine, EngineLocal, EngineNATS)
	}
	if q.Listen == "" {
		q.Listen = "127.0.0.1:4222"
	}
	if q.AckWait == 0 {
		q.AckWait = jsqueue.DefaultAckWait
	}
	if q.MaxDeliver == 0 {
		q.MaxDeliver = jsqueue.DefaultMaxDeliver
	}
	if q.AckWait < time.Second || q.Workers < 0 || q.MaxDeliver < 1 {
		return fmt.Errorf("%w: queue %+v: AckWait of 1 s or more, Workers 0 or more, MaxDeliver 1 or more", ErrConfig, *q)
	}
	return nil
}

// queueParts are what EngineNATS opens, closed in reverse.
type queueParts struct {
	nats   *jsqueue.Server // nil with an external NATS
	queue  *jsqueue.Queue
	worker *jsqueue.Worker // nil without in-process workers
	stop   context.CancelFunc
	done   chan struct{}
}

// openQueue returns the pipeline's runner: nil (Local) by default, else
// the work queue, after starting the embedded NATS and the in-process
// worker when configured.
func (s *Server) openQueue(ctx context.Context) (pipeline.Runner, error) {
	q := s.cfg.Queue
	if q.Engine != EngineNATS {
		return nil, nil
	}
	url := q.NATS
	if url == "" {
		srv, err := jsqueue.StartServer(jsqueue.ServerConfig{Listen: q.Listen, StoreDir: filepath.Join(s.cfg.DataDir, "nats")})
		if err != nil {
			return nil, err
		}
		s.qp.nats, url = srv, srv.URL()
		s.log.Info("embedded NATS started", "url", url)
	}
	settings, err := stepSettings(s.cfg)
	if err != nil {
		return nil, fmt.Errorf("controller: step settings: %w", err)
	}
	s.qp.queue, err = jsqueue.Open(ctx, jsqueue.Config{URL: url, AckWait: q.AckWait, MaxDeliver: q.MaxDeliver, Kinds: queuedKinds, Settings: settings},
		jsqueue.Deps{Fallback: pipeline.Local(s.stepFuncs()), Logger: s.log})
	if err != nil {
		return nil, err
	}
	if q.Workers > 0 {
		if err := s.startLocalWorker(ctx, url, q.Workers); err != nil {
			return nil, err
		}
	}
	return s.qp.queue, nil
}

func (s *Server) startLocalWorker(ctx context.Context, url string, slots int) error {
	w, err := jsqueue.NewWorker(ctx, jsqueue.WorkerConfig{URL: url, Slots: slots, Name: "controller"},
		jsqueue.WorkerDeps{Funcs: s.stepFuncs(), Logger: s.log})
	if err != nil {
		return err
	}
	wctx, stop := context.WithCancel(context.Background())
	s.qp.worker, s.qp.stop, s.qp.done = w, stop, make(chan struct{})
	go func() { defer close(s.qp.done); w.Run(wctx) }()
	return nil
}

// closeQueue stops what openQueue started, after the engine stopped.
func (s *Server) closeQueue() {
	if s.qp.worker != nil {
		s.qp.stop()
		<-s.qp.done
		s.qp.worker.Close()
	}
	if s.qp.queue != nil {
		s.qp.queue.Close()
	}
	if s.qp.nats != nil {
		s.qp.nats.Close()
	}
	s.qp = queueParts{}
}
