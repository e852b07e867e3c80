package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/pipeline/jsqueue"
)

// workerOpts are `vodedge origin worker`'s flags: the queue's, the
// binaries' paths, and the controller's encoding and QC flags (bound by
// the same functions) as overrides of the settings the controller
// publishes.
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

The encoding and QC settings (--ladder, --codecs, --preset,
--segment-duration, --chunk-duration, --audio-kbps, --qc-*, --scanner) come
from the controller, which publishes them on NATS each time it starts:
give a worker none of them. One given here overrides the controller's
(each differing one is logged as a warning), for a host that must encode
differently. A worker refuses settings from a newer vodedge than its own
(the steps fail with a message saying so): upgrade workers before the
controller. --ffmpeg and --ffprobe are this host's.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runOriginWorker(cmd.Context(), g, o, cmd.Flags()) },
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

func runOriginWorker(parent context.Context, g *globalOpts, o *workerOpts, flags *pflag.FlagSet) error {
	log, err := g.stderrLogger()
	if err != nil {
		return err
	}
	if o.slots < 1 {
		return errors.New("--slots must be 1 or more")
	}
	ws := &workerSettings{flags: flags, overrides: overriddenFlags(flags), deps: controller.Deps{Logger: log, Version: version}}
	if ws.base.DataDir, err = filepath.Abs(o.origin.data); err != nil {
		return fmt.Errorf("--data: %w", err)
	}
	ws.base.FFprobe, ws.base.Transcode.FFmpeg = o.origin.cfg.FFprobe, o.origin.cfg.Transcode.FFmpeg
	// Overrides are checked now, so that a bad one stops the worker at
	// once; they are applied to each generation's settings.
	if err := o.origin.transcode(&o.origin.cfg); err != nil {
		return err
	}
	if len(ws.overrides) > 0 {
		log.Warn("encoding or QC flags given: they override the controller's settings on this worker", "flags", strings.Join(ws.overrides, ","))
	}
	ctx, stop := signal.NotifyContext(parent, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := ws.check(ctx, o.origin.cfg); err != nil {
		return err
	}
	w, err := jsqueue.NewWorker(ctx, jsqueue.WorkerConfig{URL: o.nats, Slots: o.slots, Name: o.name}, jsqueue.WorkerDeps{Steps: ws.steps, Logger: log})
	if err != nil {
		return err
	}
	defer w.Close()
	log.Info("origin worker ready", "nats", o.nats, "data", ws.base.DataDir, "slots", o.slots, "name", o.name, "version", version)
	err = w.Run(ctx)
	log.Info("origin worker stopped")
	return err
}
