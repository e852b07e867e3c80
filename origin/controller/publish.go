package controller

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/packager"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/store"
	"github.com/vodedge/vodedge/origin/thumbs"
	"github.com/vodedge/vodedge/origin/transcode"
)

// runPublish uploads a packaged title, unless its quality checks failed
// and nobody approved it (the step is then held until approval).
func (s *Server) runPublish(ctx context.Context, t *pipeline.Task) (any, error) {
	title, err := s.title(t)
	if err != nil {
		return nil, err
	}
	if title.QC.State == "failed" {
		s.cat.Update(title.ID, func(ti *catalog.Title) error { ti.Status = catalog.Held; return nil })
		return nil, fmt.Errorf("quality checks failed (%s); approve with POST /v1/titles/%s/approve: %w",
			strings.Join(title.QC.Problems, "; "), title.ID, pipeline.ErrHold)
	}
	if err := s.copyUploadedPoster(title); err != nil {
		return nil, err
	}
	removeRunLeftovers(s.workDir(title.ID))
	phases, total, err := describe(title.ID, s.workDir(title.ID))
	if err != nil {
		return nil, err
	}
	var done atomic.Int64
	files, err := s.putPhases(ctx, phases, func(n int64) {
		t.Progress(float64(done.Add(n))/float64(max(1, total)), "uploading")
	})
	if err != nil {
		return nil, err
	}
	if err := s.keepPlaylists(title); err != nil {
		return nil, err
	}
	_, err = s.cat.Update(title.ID, func(ti *catalog.Title) error {
		if err := missingPoster(ti, files); err != nil {
			return err // uploaded meanwhile: the retry copies and uploads it
		}
		ti.Files, ti.Status, ti.Class, ti.Error = files, catalog.Published, catalog.Hot, ""
		ti.Published, ti.ClassChanged = s.now(), s.now()
		return nil
	})
	return map[string]any{"files": len(files), "bytes": total}, err
}

// describe lists the files of title id's tree under work (its work
// directory, or the scratch directory of a subtitle edit) in three
// publishing phases (init and media segments; media playlists; master
// and MPD) with their sizes and checksums and their total size.
func describe(id, work string) ([][]store.File, int64, error) {
	phases := make([][]store.File, 3)
	var total int64
	err := filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case p != work && strings.HasPrefix(d.Name(), ".") && d.IsDir():
			return fs.SkipDir // leftovers of an interrupted encode
		case d.IsDir() || strings.HasPrefix(d.Name(), "."):
			return nil
		}
		rel, _ := filepath.Rel(work, p)
		key, err := store.Key(id, filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		f, err := store.Describe(key, p)
		if err != nil {
			return err
		}
		total += f.Size
		phases[phaseOf(d.Name())] = append(phases[phaseOf(d.Name())], f)
		return nil
	})
	if err != nil {
		return nil, 0, fmt.Errorf("controller: list %s: %w", work, err)
	}
	return phases, total, nil
}

func phaseOf(name string) int {
	switch name {
	case packager.MasterFile, packager.MPDFile:
		return 2
	case transcode.PlaylistFile, thumbs.IFramesFile, thumbs.VTTFile:
		return 1
	}
	return 0
}

// putPhases uploads the phases one after the other, so that a player
// finds the files a playlist names, and lists the files put.
func (s *Server) putPhases(ctx context.Context, phases [][]store.File, progress func(int64)) ([]catalog.File, error) {
	var files []catalog.File
	for _, phase := range phases {
		if err := s.putAll(ctx, phase, progress); err != nil {
			return nil, err
		}
		for _, f := range phase {
			files = append(files, catalog.File{Key: f.Key, Size: f.Size, SHA256: f.SHA256})
		}
	}
	return files, nil
}

// putAll uploads files with PublishWorkers at once and stops at the
// first error.
func (s *Server) putAll(ctx context.Context, files []store.File, progress func(int64)) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	work := make(chan store.File)
	var wg sync.WaitGroup
	for range min(s.cfg.PublishWorkers, max(1, len(files))) {
		wg.Go(func() {
			for f := range work {
				if err := s.store.Put(ctx, f); err != nil {
					cancel(err)
					continue
				}
				s.m.published(f.Size)
				progress(f.Size)
			}
		})
	}
	for _, f := range files {
		select {
		case work <- f:
		case <-ctx.Done():
		}
	}
	close(work)
	wg.Wait()
	if err := context.Cause(ctx); err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return ctx.Err()
}

// runSetClass moves a title's files to the hot or cold class.
func (s *Server) runSetClass(ctx context.Context, t *pipeline.Task) (any, error) {
	var args classArgs
	if err := t.Args(&args); err != nil {
		return nil, err
	}
	title, err := s.title(t)
	if err != nil {
		return nil, err
	}
	keys := make([]string, len(title.Files))
	for i, f := range title.Files {
		keys[i] = f.Key
	}
	if err := s.store.SetClass(ctx, keys, args.To); err != nil {
		return nil, err
	}
	_, err = s.cat.Update(title.ID, func(ti *catalog.Title) error {
		ti.Class, ti.ClassChanged = catalog.Class(args.To), s.now()
		return nil
	})
	s.log.Info("storage class changed", "title", title.ID, "class", args.To, "files", len(keys))
	return args, err
}
