package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// clientOpts locate the controller for the client commands.
type clientOpts struct {
	url, tokenFile string
}

func (c *clientOpts) bind(f *pflag.FlagSet) {
	def := os.Getenv("VODEDGE_ORIGIN")
	if def == "" {
		def = "http://127.0.0.1:8070"
	}
	f.StringVar(&c.url, "origin", def, "URL of the origin controller (default $VODEDGE_ORIGIN)")
	f.StringVar(&c.tokenFile, "token-file", "", "file whose first token is sent as the bearer token (default $VODEDGE_API_TOKEN)")
}

func (c *clientOpts) client() (*client.Client, error) {
	token := os.Getenv("VODEDGE_API_TOKEN")
	t, err := readTokens("token-file", c.tokenFile)
	if err != nil {
		return nil, err
	}
	if t != nil {
		token = t[0]
	}
	return client.New(c.url, token, nil)
}

// ingestOpts are the ingest command's flags.
type ingestOpts struct {
	clientOpts
	meta      catalog.Metadata
	subtitles []string
	wait      bool
	progress  string
	poll      time.Duration
}

func newIngestCmd(_ *globalOpts) *cobra.Command {
	o := &ingestOpts{}
	cmd := &cobra.Command{
		Use:   "ingest FILE...",
		Short: "Upload sources to the origin controller and follow their pipeline",
		Long: `Upload each FILE with its metadata to the origin controller (--origin),
showing the upload's progress, then each pipeline step's (probe, quality
checks, one transcode per rendition, package, publish) until the title is
published, held by quality checks, or failed. Interrupting stops watching;
the controller carries on.

--subtitles adds a subtitle file (WebVTT or SubRip) with its language,
e.g. --subtitles en=film.en.srt --subtitles fr=film.fr.vtt; text
subtitle streams inside FILE are published too.

Without --title a title is named after its file. Prints one line per
title: ID, status, and the master playlist's URL.`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, files []string) error {
			return runIngest(cmd.Context(), o, files, cmd.OutOrStdout(), cmd.ErrOrStderr())
		},
	}
	f := cmd.Flags()
	o.bind(f)
	f.StringVar(&o.meta.Title, "title", "", "title (default: from the file name; only with a single FILE)")
	f.StringVar(&o.meta.Description, "description", "", "description")
	f.StringSliceVar(&o.meta.Tags, "tags", nil, "tags, comma-separated")
	f.IntVar(&o.meta.Year, "year", 0, "release year")
	f.StringVar(&o.meta.Rating, "rating", "", "content rating, e.g. PG-13")
	f.StringSliceVar(&o.meta.Languages, "languages", nil, "audio languages, comma-separated (en,fr)")
	f.Float64Var(&o.meta.ExpectedPlays, "expected-plays", 0, "expected plays per day across all sites: the new release's prior popularity, so it is filled on release night (0: estimated from comparable titles)")
	f.StringArrayVar(&o.subtitles, "subtitles", nil, "subtitle file with its language, LANG=FILE (WebVTT or SubRip; repeatable; only with a single FILE)")
	f.BoolVar(&o.wait, "wait", true, "follow the pipeline until each title is published, held or failed")
	f.StringVar(&o.progress, "progress", "auto", "progress display: bars, plain (one line per change), off, or auto (bars on a terminal)")
	f.DurationVar(&o.poll, "poll", 300*time.Millisecond, "how often job progress is polled")
	addConfigFlag(cmd)
	return cmd
}

func runIngest(parent context.Context, o *ingestOpts, files []string, stdout, stderr io.Writer) error {
	if len(files) > 1 && o.meta.Title != "" {
		return errors.New("--title names one title: give one FILE, or omit --title to name titles after their files")
	}
	if len(files) > 1 && len(o.subtitles) > 0 {
		return errors.New("--subtitles belong to one title: give one FILE")
	}
	subFiles, err := subtitleArgs(o.subtitles)
	if err != nil {
		return fmt.Errorf("--subtitles %w", err)
	}
	if !(o.meta.ExpectedPlays >= 0) {
		return fmt.Errorf("--expected-plays %v: want plays per day, 0 or more", o.meta.ExpectedPlays)
	}
	cli, err := o.client()
	if err != nil {
		return err
	}
	defer cli.CloseIdleConnections()
	ui, err := newProgressUI(o.progress, stderr)
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(parent, syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	var failed []error
	for _, file := range files {
		line, err := ingestOne(ctx, cli, o, file, subFiles, ui)
		if line != "" {
			fmt.Fprintln(stdout, line)
		}
		if err != nil {
			failed = append(failed, fmt.Errorf("%s: %w", file, err))
		}
		if ctx.Err() != nil {
			break
		}
	}
	return errors.Join(failed...)
}

// ingestOne uploads one file and, with --wait, follows its job. The
// returned line is the title's summary.
func ingestOne(ctx context.Context, cli *client.Client, o *ingestOpts, file string, subFiles []subtitleFile, ui progressUI) (string, error) {
	subs, closeSubs, err := openSubtitles(subFiles)
	if err != nil {
		return "", err
	}
	defer closeSubs()
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return "", err
	}
	meta := o.meta
	if meta.Title == "" {
		meta.Title = titleFromFile(file)
	}
	name := filepath.Base(file)
	res, err := cli.Ingest(ctx, ui.upload(name, st.Size(), f), name, meta, subs...)
	ui.uploaded(name, err)
	if err != nil {
		return "", err
	}
	id := res.Title.ID
	if !o.wait {
		return fmt.Sprintf("%s\t%s\tjob %s", id, res.Title.Status, res.Job.ID), nil
	}
	j, err := cli.WaitJob(ctx, res.Job.ID, o.poll, func(j *pipeline.Job) { ui.job(name, j) })
	ui.finished(name)
	if err != nil {
		return fmt.Sprintf("%s\twatching stopped (%v); see: vodedge origin jobs %s", id, err, res.Job.ID), err
	}
	return summary(cli, id, j)
}

func summary(cli *client.Client, id string, j *pipeline.Job) (string, error) {
	switch j.State {
	case pipeline.Done:
		return fmt.Sprintf("%s\tpublished\t%s", id, cli.URL("/titles/"+id+"/master.m3u8")), nil
	case pipeline.Held:
		return fmt.Sprintf("%s\theld\tquality checks failed; see /v1/titles/%s/qc, then: vodedge origin approve %s", id, id, id),
			errors.New("held by quality checks")
	}
	return fmt.Sprintf("%s\t%s\t%s", id, j.State, firstFailure(j)), fmt.Errorf("job %s %s", j.ID, j.State)
}

func firstFailure(j *pipeline.Job) string {
	for _, s := range j.Steps {
		if s.State == pipeline.Failed {
			return s.Name + ": " + s.Error
		}
	}
	return ""
}

// titleFromFile turns "big_buck-bunny.1080p.mp4" into "big buck bunny 1080p".
func titleFromFile(file string) string {
	base := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
	return strings.Join(strings.FieldsFunc(base, func(r rune) bool { return r == '_' || r == '-' || r == '.' || r == ' ' }), " ")
}
