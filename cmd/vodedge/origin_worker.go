package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/pipeline/jsqueue"
)

// workerOpts are `vodedge origin worker`'s flags: the controller's
// encoding and QC flags (bound by the same functions) and the queue's.
type workerOpts struct {
	origin originOpts
	nats   string
	slots  int
	name   string
}

func newOriginWorkerCmd(g *globalOpts) *cobra.Command {
	o := &workerOpts{origin: originOpts{cfg: controller.DefaultConfig("")}}
	cmd := &cobra.Command{
		Use:   "worker",
		Short: "Run the origin controller's encodes and checks for a controller started with --engine nats",
		Long: `Run pipeline steps (transcode, transcode chunks, joins and source QC) that a
controller started with --engine nats queues on NATS JetStream. Start as
many workers as there are machines (or cores) to encode on; a worker killed
mid-step has its step handed to another after the controller's
--nats-ack-wait.

A step reads the title's source under --data/sources and writes its
renditions under --data/work, so --data must be the controller's data
directory: the same directory on the controller's host, or a shared file
system (NFS, …) mounted at the same path on other hosts. The published
store (--store, S3 or local) is written by the controller only.
Give workers the controller's encoding flags (--ladder, --segment-duration,
--preset, …), e.g. with the same --config file.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runOriginWorker(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	f.StringVar(&o.nats, "nats", "nats://127.0.0.1:4222", "URL of the controller's NATS server (its --nats-listen, or its external --nats)")
	f.StringVar(&o.origin.data, "data", "/var/lib/vodedge/origin", "the controller's data directory (shared): sources are read and renditions written under it")
	f.IntVar(&o.slots, "slots", 1, "steps this worker runs at once (each mostly one ffmpeg)")
	host, _ := os.Hostname()
	f.StringVar(&o.name, "name", fmt.Sprintf("%s-%d", host, os.Getpid()), "name of this worker in logs")
	o.origin.bindTranscode(f)
	o.origin.bindQC(f)
	addConfigFlag(cmd)
	return cmd
}

func runOriginWorker(parent context.Context, g *globalOpts, o *workerOpts) error {
	log, err := g.stderrLogger()
	if err != nil {
		return err
	}
	if o.slots < 1 {
		return errors.New("--slots must be 1 or more")
	}
	c := o.origin.cfg
	if c.DataDir, err = filepath.Abs(o.origin.data); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	if err := o.origin.transcode(&c); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(parent, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	funcs, err := controller.WorkerSteps(ctx, c, controller.Deps{Logger: log, Version: version})
	if err != nil {
		return err
	}
	w, err := jsqueue.NewWorker(ctx, jsqueue.WorkerConfig{URL: o.nats, Slots: o.slots, Name: o.name}, jsqueue.WorkerDeps{Funcs: funcs, Logger: log})
	if err != nil {
		return err
	}
	defer w.Close()
	log.Info("origin worker ready", "nats", o.nats, "data", c.DataDir, "slots", o.slots, "name", o.name, "version", version)
	err = w.Run(ctx)
	log.Info("origin worker stopped")
	return err
}
