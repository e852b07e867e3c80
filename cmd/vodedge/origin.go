package main

import (
	"context"
	"errors"
	"fmt"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/internal/bytesize"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/transcode"
)

// originOpts are the origin command's flags.
type originOpts struct {
	listen, adminAddr string
	data              string
	ladder, codecs    string
	audioKbps         int
	maxUpload         bytesize.Size
	partSize, mpThres bytesize.Size
	hotClass, cold    string
	tokenFile         string
	noAuth            bool
	shutdown          time.Duration
	fill              originFillOpts
	ui                originUIOpts
	tls               tlsOpts
	cfg               controller.Config
}

func newOriginCmd(g *globalOpts) *cobra.Command {
	o := &originOpts{cfg: controller.DefaultConfig("")}
	cmd := &cobra.Command{
		Use:   "origin",
		Short: "Run the origin controller: ingest, transcode, check, catalog and publish titles",
		Long: `Run the origin controller. Operators upload a source with its metadata
(vodedge ingest, or POST /v1/titles); the controller probes it, encodes the
ABR ladder with ffmpeg (CMAF segments, HLS master and DASH MPD), runs the
quality checks, catalogs it and publishes it to --store, where edges fill
from. Jobs are persisted under --data and resume after a restart.

The API is under /v1/ on --listen (bearer tokens from --api-token-file).
With a local store, the published files are served at the root of --listen
with Range and ETag, so an edge can use the controller as its origin:
  vodedge edge --origin http://CONTROLLER:8070
Metrics, /healthz and /readyz are on --admin, with the player and status
pages under /ui/ (--ui-edges, --ui-steer-url, --ui-steer-admin).
Apps read the published catalogue without a token at GET /public/v1/titles
and /public/v1/titles/{id} (CORS, ETag, Cache-Control, a rate per client).

Routes: POST /v1/titles; GET /v1/titles?q=&tag=&year=&min_duration=&…;
GET|PATCH /v1/titles/{id}; GET /v1/titles/{id}/qc; PUT /v1/titles/{id}/markers|poster;
PUT|DELETE /v1/titles/{id}/subtitles/{lang};
POST /v1/titles/{id}/approve|demote|restore; GET /v1/jobs[/{id}];
POST /v1/jobs/{id}/cancel|retry; POST /v1/popularity/logs;
GET /v1/popularity/files|titles; POST /v1/tiering/run; GET /v1/status;
GET /v1/manifests/{site}; GET /v1/indexes/{hash}; POST /v1/fill/reports/{node};
POST /v1/nodes/heartbeat; DELETE /v1/nodes/{site}/{name}; GET /v1/sites.

Fill manifests (--manifest-key-file) are planned per poll over each site's
live nodes: the --sites file seeds them, and edges join, stay and leave by
heartbeat (their fill agent sends one every --heartbeat-every with the same
token it polls with: an API token, or its own from --node-token-file); a
node silent for --registry-grace is planned no more.
GET /v1/sites lists every node with its source, state and last report.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runOrigin(cmd.Context(), g, o) },
	}
	f := cmd.Flags()
	o.bindServer(f)
	o.bindTranscode(f)
	o.bindQC(f)
	o.bindStore(f)
	o.fill.bind(f)
	o.ui.bind(f)
	o.bindPublic(f)
	o.bindQueue(f)
	addConfigFlag(cmd)
	cmd.AddCommand(newJobsCmd(), newTitlesCmd(), newApproveCmd(), newPosterCmd(), newMarkersCmd(), newSubtitlesCmd(), newOriginWorkerCmd(g))
	return cmd
}

func (o *originOpts) bindServer(f *pflag.FlagSet) {
	c := &o.cfg
	f.StringVar(&o.listen, "listen", ":8070", "HTTP address of the API (/v1/) and, for a local store, of the published files")
	f.StringVar(&o.adminAddr, "admin", "127.0.0.1:9070", "admin HTTP address: /metrics, /healthz, /readyz")
	f.StringVar(&o.data, "data", "/var/lib/vodedge/origin", "state directory: jobs and catalog (Pebble), search index, uploads, sources, work files")
	f.StringVar(&o.tokenFile, "api-token-file", "", "file of bearer tokens (one per line, 16+ characters) accepted on /v1/")
	f.BoolVar(&o.noAuth, "no-api-auth", false, "serve /v1/ without authentication (a lab only; without it --api-token-file is required)")
	o.tls.bind(f, "of the API and the published files")
	o.maxUpload = bytesize.Size(c.MaxUploadBytes)
	f.Var(&o.maxUpload, "max-upload", "largest accepted source, e.g. 200GiB")
	f.IntVar(&c.Pipeline.Workers, "workers", c.Pipeline.Workers, "pipeline steps (mostly ffmpeg encodes) run at once; default one per CPU")
	f.IntVar(&c.Pipeline.MaxAttempts, "max-attempts", c.Pipeline.MaxAttempts, "attempts per step before it fails")
	f.BoolVar(&c.KeepWork, "keep-work", false, "keep renditions in --data/work after publishing")
	f.DurationVar(&o.shutdown, "shutdown-timeout", 30*time.Second, "on SIGTERM, how long requests and steps may take to stop")
	f.IntVar(&c.Tiering.ColdAfterDays, "cold-after-days", c.Tiering.ColdAfterDays, "move a title to the cold class after this many days under --cold-below; 0 turns the policy off")
	f.Float64Var(&c.Tiering.ColdBelow, "cold-below", c.Tiering.ColdBelow, "popularity threshold of the cold policy, in plays per day")
	f.DurationVar(&c.Tiering.Interval, "tiering-interval", c.Tiering.Interval, "how often the cold policy runs")
	f.Float64Var(&c.Popularity.Alpha, "popularity-alpha", c.Popularity.Alpha, "EWMA weight of each new day in popularity (0..1]")
	f.IntVar(&c.Popularity.Window, "popularity-window", c.Popularity.Window, "days of access logs popularity looks back")
}

func (o *originOpts) bindTranscode(f *pflag.FlagSet) {
	c := &o.cfg.Transcode
	f.StringVar(&o.ladder, "ladder", c.Ladder.String(), "video rungs, HEIGHTp[:BITRATE], capped at the source's height")
	f.StringVar(&o.codecs, "codecs", "h264", "video codecs of the ladder: h264, hevc, av1 (comma-separated)")
	f.DurationVar(&c.SegmentDuration, "segment-duration", c.SegmentDuration, "CMAF segment length and keyframe interval")
	f.StringVar(&c.Preset, "preset", c.Preset, "encoder preset: ultrafast … veryslow")
	bindChunkFlag(f, c)
	f.IntVar(&o.audioKbps, "audio-kbps", int(c.AudioBitrate/1000), "AAC bitrate in kbit/s")
	f.StringVar(&c.FFmpeg, "ffmpeg", c.FFmpeg, "ffmpeg binary")
	f.StringVar(&o.cfg.FFprobe, "ffprobe", o.cfg.FFprobe, "ffprobe binary")
}

func (o *originOpts) bindQC(f *pflag.FlagSet) {
	q := &o.cfg.QC
	f.DurationVar(&q.BlackWarn, "qc-black-warn", q.BlackWarn, "black stretch reported as a warning")
	f.DurationVar(&q.BlackFail, "qc-black-fail", q.BlackFail, "black stretch that holds a title (0: never)")
	f.DurationVar(&q.FreezeWarn, "qc-freeze-warn", q.FreezeWarn, "frozen picture reported as a warning")
	f.DurationVar(&q.FreezeFail, "qc-freeze-fail", q.FreezeFail, "frozen picture that holds a title (0: never)")
	f.DurationVar(&q.SilenceWarn, "qc-silence-warn", q.SilenceWarn, "silence reported as a warning")
	f.DurationVar(&q.SilenceFail, "qc-silence-fail", q.SilenceFail, "silence that holds a title (0: never)")
	f.Float64Var(&q.LoudnessMin, "qc-loudness-min", q.LoudnessMin, "integrated loudness below this (LUFS) holds a title")
	f.Float64Var(&q.LoudnessMax, "qc-loudness-max", q.LoudnessMax, "integrated loudness above this (LUFS) holds a title")
	f.DurationVar(&q.DurationTolerance, "qc-duration-tolerance", q.DurationTolerance, "allowed length difference between a rendition and its source")
	f.StringSliceVar(&o.cfg.Scanners, "scanner", nil, "URL of a content scanner plug-in that gets frames of each source and answers labels and a verdict (docs/api.md); a flag holds the title; repeat for several")
	f.StringVar((*string)(&q.Flashes), "qc-flashes", string(q.Flashes), "photosensitive flashing (over 3 flashes a second on a quarter of the screen): hold the title for approval, warn (a viewer warning in the catalogue), or off")
}

func (o *originOpts) bindStore(f *pflag.FlagSet) {
	s := &o.cfg.S3
	f.StringVar(&o.cfg.Store, "store", "", "where titles are published: file:///dir or s3://bucket[/prefix] (default: --data/store, served on --listen)")
	f.StringVar(&s.Endpoint, "s3-endpoint", "", "endpoint URL of an S3-compatible server (default: AWS); credentials come from the standard AWS chain")
	f.StringVar(&s.Region, "s3-region", "", "S3 region (default: from the AWS environment, else us-east-1)")
	f.StringVar(&o.hotClass, "s3-hot-class", "STANDARD", "S3 storage class of hot titles")
	f.StringVar(&o.cold, "s3-cold-class", "GLACIER_IR", "S3 storage class of cold titles (GLACIER_IR stays readable; GLACIER and DEEP_ARCHIVE need a restore)")
	f.DurationVar(&s.RestorePoll, "s3-restore-poll", time.Minute, "how often a restore from GLACIER or DEEP_ARCHIVE is checked for completion")
	o.partSize, o.mpThres = 16<<20, 64<<20
	f.Var(&o.partSize, "s3-part-size", "multipart upload part size (5MiB..5GiB)")
	f.Var(&o.mpThres, "s3-multipart-threshold", "files this large or larger are uploaded in parts")
}

// config fills the daemon's configuration from the flags and the files
// they name.
func (o *originOpts) config() (controller.DaemonConfig, error) {
	d := controller.DefaultDaemonConfig("")
	c, err := o.controller()
	if err != nil {
		return d, err
	}
	if err := checkListeners(o.listen, o.adminAddr); err != nil {
		return d, err
	}
	if err := o.tls.check(); err != nil {
		return d, err
	}
	d.Controller, d.Listen, d.Admin, d.TLSListen, d.ShutdownTimeout = c, o.listen, o.adminAddr, o.tls.listen, o.shutdown
	d.TLS = controller.TLSFiles{CertFile: o.tls.cert, KeyFile: o.tls.key}
	return d, nil
}

// controller completes the controller configuration from the flags.
func (o *originOpts) controller() (controller.Config, error) {
	c := o.cfg
	var err error
	if c.DataDir, err = filepath.Abs(o.data); err != nil {
		return c, fmt.Errorf("--data: %w", err)
	}
	if err := o.transcode(&c); err != nil {
		return c, err
	}
	c.MaxUploadBytes = int64(o.maxUpload)
	c.S3.HotClass, c.S3.ColdClass = types.StorageClass(o.hotClass), types.StorageClass(o.cold)
	c.S3.MultipartPartSize, c.S3.MultipartThreshold = int64(o.partSize), int64(o.mpThres)
	if c.APITokens, err = o.tokens(); err != nil {
		return c, err
	}
	if c.Public.SteeringURL == "" {
		c.Public.SteeringURL = o.ui.steerURL
	}
	return c, o.fill.apply(&c)
}

// transcode completes c's encoding configuration from the flags.
func (o *originOpts) transcode(c *controller.Config) error {
	var err error
	if c.Transcode.Ladder, err = transcode.ParseLadder(o.ladder); err != nil {
		return fmt.Errorf("--ladder: %w", err)
	}
	c.Transcode.Codecs = nil
	for _, name := range strings.Split(o.codecs, ",") {
		codec, err := transcode.ParseCodec(name)
		if err != nil {
			return fmt.Errorf("--codecs: %w", err)
		}
		c.Transcode.Codecs = append(c.Transcode.Codecs, codec)
	}
	c.Transcode.AudioBitrate = int64(o.audioKbps) * 1000
	return nil
}

func (o *originOpts) tokens() ([]string, error) {
	switch {
	case o.tokenFile != "" && o.noAuth:
		return nil, errors.New("--api-token-file and --no-api-auth contradict each other")
	case o.tokenFile != "":
		return readTokens("api-token-file", o.tokenFile)
	case !o.noAuth:
		return nil, errors.New("the API needs bearer tokens: give --api-token-file FILE (one token of 16+ characters per line), or --no-api-auth in a lab")
	}
	return nil, nil
}

func runOrigin(parent context.Context, g *globalOpts, o *originOpts) error {
	log, err := g.stderrLogger()
	if err != nil {
		return err
	}
	cfg, err := o.config()
	if err != nil {
		return err
	}
	pages, err := o.ui.routes(cfg.Controller.APITokens, log)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(parent, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	hup := notifyHUP()
	defer signal.Stop(hup)
	d, err := controller.NewDaemon(ctx, cfg, controller.DaemonDeps{Deps: controller.Deps{Logger: log, Version: version}, AdminRoutes: pages})
	if err != nil {
		return flagError(err, originFlags)
	}
	c := &cfg.Controller
	if len(c.APITokens) == 0 {
		log.Warn("the API has no authentication (--no-api-auth): anyone who reaches --listen can ingest, approve and demote")
	}
	log.Info("origin controller starting", "listen", cfg.Listen, "admin", cfg.Admin, "data", c.DataDir,
		"store", c.Store, "ladder", c.Transcode.Ladder, "workers", c.Pipeline.Workers, "version", version)
	go reloadOnHUP(ctx, log, hup, "the TLS certificate", d.ReloadTLS)
	return d.Run(ctx)
}

// originFlags names the flag behind each configuration field NewDaemon
// reports.
var originFlags = map[string]string{"Listen": "--listen", "TLSListen": "--tls-listen", "Admin": "--admin", "TLS": "--tls-cert/--tls-key"}
