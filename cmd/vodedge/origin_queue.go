package main

import (
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/origin/controller"
)

// bindQueue binds the flags of the step queue (controller.Queue).
func (o *originOpts) bindQueue(f *pflag.FlagSet) {
	q := &o.cfg.Queue
	f.StringVar(&q.Engine, "engine", controller.EngineLocal, "where encodes and checks run: local (in this process) or nats (`vodedge origin worker` processes, through a NATS JetStream work queue)")
	f.StringVar(&q.NATS, "nats", "", "with --engine nats: URL of an external NATS server with JetStream; empty embeds one (storage under --data/nats)")
	f.StringVar(&q.Listen, "nats-listen", "127.0.0.1:4222", "with --engine nats and no --nats: client address of the embedded NATS server, where workers connect")
	f.DurationVar(&q.AckWait, "nats-ack-wait", 30*time.Second, "with --engine nats: a worker silent this long has its step handed to another worker")
	f.IntVar(&q.MaxDeliver, "nats-max-deliver", 5, "with --engine nats: a step handed to workers this many times without an outcome (it kills its workers) fails, then is retried as any failed step")
	f.IntVar(&q.Workers, "nats-workers", 0, "with --engine nats: queued steps this controller runs itself (0: only worker processes run them)")
}
