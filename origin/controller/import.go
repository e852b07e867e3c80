package controller

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/packager"
	"github.com/vodedge/vodedge/origin/pipeline"
)

// Import publishes a title that is already packaged — an HLS tree with
// master.m3u8 at the root of src and its renditions below — without
// transcoding or quality checks: the files are copied to the title's work
// directory and a job of the publish step alone uploads them, as an
// ingest's last step does. It is how `vodedge demo` publishes its
// pre-encoded sample on a machine without ffmpeg.
func (s *Server) Import(ctx context.Context, meta catalog.Metadata, src fs.FS) (*IngestResponse, error) {
	if err := meta.Normalize(); err != nil {
		return nil, err
	}
	dur, err := hlsDuration(src)
	if err != nil {
		return nil, fmt.Errorf("%w: import: %w", errBadRequest, err)
	}
	t := &catalog.Title{ID: s.freshID(meta.Title), Metadata: meta, Status: catalog.Processing, Class: catalog.Hot,
		DurationMS: dur.Milliseconds(), QC: catalog.QC{State: "passed", Note: "imported pre-packaged; not checked"}}
	if err := copyTree(src, s.workDir(t.ID)); err != nil {
		return nil, fmt.Errorf("controller: import: %w", err)
	}
	if err := s.cat.Create(t); err != nil {
		return nil, err
	}
	spec := pipeline.Spec{Kind: jobIngest, Subject: t.ID, Steps: []pipeline.Step{{Name: stepPublish, Kind: stepPublish}}}
	job, err := s.engine.Submit(spec)
	if err == nil {
		t, err = s.cat.Update(t.ID, func(t *catalog.Title) error { t.JobID = job.ID; return nil })
	}
	if err != nil {
		return nil, err
	}
	s.log.Info("title imported", "title", t.ID, "job", job.ID)
	return &IngestResponse{Title: t, Job: job}, ctx.Err()
}

// copyTree copies every regular file of src under dst.
func copyTree(src fs.FS, dst string) error {
	return fs.WalkDir(src, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		out := filepath.Join(dst, filepath.FromSlash(p))
		if err := os.MkdirAll(filepath.Dir(out), 0o755); err != nil {
			return err
		}
		in, err := src.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		f, err := os.Create(out)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, in); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}

// hlsDuration is the length of the first media playlist the master
// names (the sum of its EXTINF durations).
func hlsDuration(src fs.FS) (dur time.Duration, err error) {
	media := ""
	if err := scanLines(src, packager.MasterFile, func(line string) error {
		if media == "" && line != "" && !strings.HasPrefix(line, "#") {
			media = line
		}
		return nil
	}); err != nil {
		return 0, err
	}
	if media == "" || !fs.ValidPath(media) {
		return 0, fmt.Errorf("%s names no media playlist", packager.MasterFile)
	}
	n := 0
	err = scanLines(src, path.Clean(media), func(line string) error {
		n++
		v, ok := strings.CutPrefix(line, "#EXTINF:")
		if !ok {
			return nil
		}
		secs, err := packager.ExtinfSeconds(v)
		if err != nil {
			return fmt.Errorf("%s line %d: %w", path.Clean(media), n, err)
		}
		dur += time.Duration(secs * float64(time.Second))
		return nil
	})
	return dur, err
}

// scanLines calls fn with each trimmed line of name until it fails.
func scanLines(src fs.FS, name string, fn func(string) error) error {
	f, err := src.Open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if err := fn(strings.TrimSpace(sc.Text())); err != nil {
			return err
		}
	}
	return sc.Err()
}
