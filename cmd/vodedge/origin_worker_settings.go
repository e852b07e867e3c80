package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// localFlags are the encoding flags a worker keeps for itself: the
// binaries' paths on its host.
var localFlags = map[string]bool{"ffmpeg": true, "ffprobe": true}

// workerSettings turn the controller's published step settings into a
// worker's step functions: the worker's data directory and binaries,
// and the encoding and QC flags given on its own command line
// (overrides, each reported) on top of the controller's settings.
type workerSettings struct {
	base      controller.Config // DataDir, FFprobe and Transcode.FFmpeg
	flags     *pflag.FlagSet    // the worker's command line
	overrides []string          // encoding and QC flags set on it
	deps      controller.Deps   // its Logger logs the settings
}

// overriddenFlags are the encoding and QC flags set on f (by the
// command line or --config).
func overriddenFlags(f *pflag.FlagSet) []string {
	var names []string
	encodingFlags(&originOpts{}).VisitAll(func(fl *pflag.Flag) {
		if !localFlags[fl.Name] && f.Changed(fl.Name) {
			names = append(names, fl.Name)
		}
	})
	return names
}

// encodingFlags binds the encoding and QC flags to o on a set of their
// own, with o.cfg's values as defaults.
func encodingFlags(o *originOpts) *pflag.FlagSet {
	f := pflag.NewFlagSet("encoding", pflag.ContinueOnError)
	o.bindTranscode(f)
	o.bindQC(f)
	o.codecs = joinCodecs(o.cfg)
	return f
}

func joinCodecs(c controller.Config) string {
	names := make([]string, len(c.Transcode.Codecs))
	for i, c := range c.Transcode.Codecs {
		names[i] = string(c)
	}
	return strings.Join(names, ",")
}

// check makes the step functions once, of the default settings with
// the worker's flags (cfg) in this worker's base, so that a worker whose
// ffmpeg cannot run (or lacks an encoder the flags ask for) stops at
// once instead of failing each generation's steps. The functions are
// discarded: each generation gets its own (steps).
func (ws *workerSettings) check(ctx context.Context, cfg controller.Config) error {
	c := ws.base
	c.Transcode, c.QC, c.Scanners = cfg.Transcode, cfg.QC, cfg.Scanners // cfg's FFmpeg is base's
	_, err := controller.WorkerSteps(ctx, c, ws.deps)
	return err
}

// steps is jsqueue.WorkerDeps.Steps.
func (ws *workerSettings) steps(ctx context.Context, b []byte) (map[string]pipeline.StepFunc, error) {
	s, err := controller.DecodeStepSettings(b)
	if err != nil {
		return nil, err
	}
	c := ws.base
	s.Apply(&c)
	if err := ws.override(&c); err != nil {
		return nil, err
	}
	t := c.Transcode
	ws.deps.Logger.Info("step settings from the controller", "version", s.Version, "ladder", t.Ladder.String(), "codecs", joinCodecs(c),
		"preset", t.Preset, "segment", t.SegmentDuration, "chunk", chunkFlag{&t.ChunkDuration}.String(), "overridden", strings.Join(ws.overrides, ","))
	return controller.WorkerSteps(ctx, c, ws.deps)
}

// override puts the worker's own encoding and QC flags over c's values,
// reporting each that differs from the controller's.
func (ws *workerSettings) override(c *controller.Config) error {
	if len(ws.overrides) == 0 {
		return nil
	}
	o := &originOpts{cfg: *c}
	f := encodingFlags(o)
	o.cfg.Scanners = c.Scanners // binding --scanner reset it
	for _, name := range ws.overrides {
		theirs, mine := f.Lookup(name), ws.flags.Lookup(name)
		before := theirs.Value.String()
		var err error
		if sv, ok := mine.Value.(pflag.SliceValue); ok {
			err = theirs.Value.(pflag.SliceValue).Replace(sv.GetSlice())
		} else {
			err = theirs.Value.Set(mine.Value.String())
		}
		if err != nil {
			return fmt.Errorf("--%s: %w", name, err)
		}
		if after := theirs.Value.String(); after != before {
			ws.deps.Logger.Warn("this worker overrides the controller's setting", "flag", name, "controller", before, "worker", after)
		}
	}
	if err := o.transcode(&o.cfg); err != nil {
		return err
	}
	c.Transcode, c.QC, c.Scanners = o.cfg.Transcode, o.cfg.QC, o.cfg.Scanners
	return nil
}
