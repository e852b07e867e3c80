package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/packager"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/thumbs"
	"github.com/vodedge/vodedge/origin/transcode"
)

// Step kinds of the title's pictures (origin/thumbs).
const (
	stepArtwork = "artwork"
	stepIFrames = "iframes"
)

// artDir is the directory of a title's pictures inside its work
// directory and its published files.
const artDir = "art"

// thumbsConfig is the configured thumbs.Config with the transcoder's
// ffmpeg unless it names its own.
func (s *Server) thumbsConfig() thumbs.Config {
	c := s.cfg.Thumbs
	if c.FFmpeg == "" {
		c.FFmpeg = s.cfg.Transcode.FFmpeg
	}
	return c
}

// runArtwork analyses the source and writes the poster, the sprite
// sheets with their track and the preview clip into art/, through a
// temporary directory as runTranscode does, then records them in the
// catalog (an uploaded poster stays in use).
func (s *Server) runArtwork(ctx context.Context, t *pipeline.Task) (any, error) {
	title, info, err := s.titleAndSource(t)
	if err != nil {
		return nil, err
	}
	v, ok := info.MainVideo()
	if !ok {
		return nil, pipeline.Permanent(thumbs.ErrNoPicture)
	}
	w, h := v.Width, v.Height
	if v.Rotated {
		w, h = h, w
	}
	final := s.renditionDir(title.ID, artDir)
	tmp, err := runDir(final)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	src := thumbs.Source{Path: s.sourcePath(title), Duration: info.Duration, Width: w, Height: h}
	art, err := s.thumbsConfig().Make(ctx, src, tmp, func(f float64) { t.Progress(f, "pictures") })
	if errors.Is(err, thumbs.ErrNoPicture) {
		return nil, pipeline.Permanent(err)
	} else if err != nil {
		return nil, err
	}
	if err := moveIntoPlace(tmp, final, "pictures"); err != nil {
		return nil, err
	}
	_, err = s.cat.Update(title.ID, func(ti *catalog.Title) error {
		recordArtwork(&ti.Artwork, art)
		return nil
	})
	return art, err
}

// recordArtwork puts what thumbs.Make wrote into a title's Artwork.
func recordArtwork(a *catalog.Artwork, art *thumbs.Artwork) {
	picked := &catalog.Poster{File: artDir + "/" + thumbs.PosterFile, Source: "analysis",
		TimeSec: art.Poster.Time, Score: art.Poster.Score, Reason: art.Poster.Reason}
	a.Picked = picked
	if a.Poster == nil || a.Poster.Source != "upload" {
		a.Poster = picked
	}
	a.Thumbnails = artDir + "/" + thumbs.VTTFile
	a.Preview = &catalog.Preview{File: artDir + "/" + thumbs.PreviewFile, StartSec: art.Preview.Time,
		LengthSec: art.Preview.Length, Score: art.Preview.Score, Reason: art.Preview.Reason}
}

// copyUploadedPoster copies a poster uploaded before the title was
// published (kept beside the source) into the title's work directory,
// for the publish step to upload with the rest.
func (s *Server) copyUploadedPoster(title *catalog.Title) error {
	p := title.Artwork.Poster
	if p == nil || p.Source != "upload" {
		return nil
	}
	data, err := os.ReadFile(filepath.Join(s.sourceDir(title.ID), filepath.Base(p.File)))
	if err == nil {
		dir := filepath.Join(s.workDir(title.ID), artDir)
		if err = os.MkdirAll(dir, 0o755); err == nil {
			err = os.WriteFile(filepath.Join(dir, filepath.Base(p.File)), data, 0o644)
		}
	}
	if err != nil {
		return fmt.Errorf("controller: uploaded poster: %w", err)
	}
	return nil
}

// runIFrames writes an I-frame playlist for each video rendition and
// adds them to the master playlist the package step wrote.
func (s *Server) runIFrames(_ context.Context, t *pipeline.Task) (any, error) {
	title, err := s.title(t)
	if err != nil {
		return nil, err
	}
	work := s.workDir(title.ID)
	var streams []thumbs.StreamInf
	var names []string
	for _, r := range title.Renditions {
		if r.Kind != string(transcode.Video) {
			continue
		}
		res, err := thumbs.WriteIFrames(filepath.Join(work, r.Name))
		if errors.Is(err, thumbs.ErrNotKeyframe) {
			return nil, pipeline.Permanent(err) // the segments will not change
		} else if err != nil {
			return nil, err
		}
		streams = append(streams, thumbs.StreamInf{Rendition: r.Name, Codecs: r.Codecs, Width: r.Width, Height: r.Height, IFrames: res})
		names = append(names, r.Name)
	}
	if err := thumbs.AddToMaster(filepath.Join(work, packager.MasterFile), streams); err != nil {
		return nil, err
	}
	_, err = s.cat.Update(title.ID, func(ti *catalog.Title) error { ti.Artwork.IFrames = names; return nil })
	t.Progress(1, "I-frame playlists written")
	return map[string]any{"renditions": names}, err
}
