package controller

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/vodedge/vodedge/origin/packager"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/transcode"
)

// chunkArgs are a transcode-chunk step's input: everything the encode
// needs besides the source file, so that another machine with the
// source could run it.
type chunkArgs struct {
	Rendition transcode.Rendition `json:"rendition"`
	Chunk     transcode.Chunk     `json:"chunk"`
}

// joinArgs are a join step's input.
type joinArgs struct {
	Rendition transcode.Rendition `json:"rendition"`
	Chunks    []transcode.Chunk   `json:"chunks"`
}

// chunkDir is where chunk c of rendition r is kept until the join: a
// dot directory of the title's work directory, which publishing skips.
func (s *Server) chunkDir(id string, r transcode.Rendition, c transcode.Chunk) string {
	return filepath.Join(s.workDir(id), ".chunks", r.Name, fmt.Sprintf("chunk-%03d", c.Index))
}

// runChunk encodes one chunk into a temporary directory and renames it
// into place, like runTranscode (each run in a directory of its own): a finished chunk is a whole directory
// and its step is Done, so a restart never redoes it.
func (s *Server) runChunk(ctx context.Context, t *pipeline.Task) (any, error) {
	var a chunkArgs
	if err := t.Args(&a); err != nil {
		return nil, pipeline.Permanent(err)
	}
	if s.enc == nil {
		return nil, pipeline.Permanent(errNoTranscoder)
	}
	title, info, err := s.titleAndSource(t)
	if err != nil {
		return nil, err
	}
	final := s.chunkDir(title.ID, a.Rendition, a.Chunk)
	tmp, err := runDir(final)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // gone once in place; else this run's leftovers
	out, err := s.enc.EncodeChunk(ctx, s.sourcePath(title), info.Duration, a.Rendition, a.Chunk, tmp, func(f float64) { t.Progress(f, "encoding") })
	if err != nil {
		return nil, err
	}
	if err := moveIntoPlace(tmp, final, "chunk"); err != nil {
		return nil, err
	}
	return out, nil
}

// runJoin assembles a rendition's chunks (packager.Join: no re-encode),
// checks it as runTranscode does, renames it into place and then drops
// the chunks. Its result is a transcode step's.
func (s *Server) runJoin(ctx context.Context, t *pipeline.Task) (any, error) {
	var a joinArgs
	if err := t.Args(&a); err != nil {
		return nil, pipeline.Permanent(err)
	}
	title, info, err := s.titleAndSource(t)
	if err != nil {
		return nil, err
	}
	r := a.Rendition
	final := s.renditionDir(title.ID, r.Name)
	tmp, err := runDir(final)
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // gone once in place; else this run's leftovers
	out, err := packager.Join(tmp, r.FPS, s.parts(title.ID, r, a.Chunks))
	if errors.Is(err, packager.ErrJoin) {
		return nil, pipeline.Permanent(err) // the chunks are Done: retrying cannot change them
	} else if err != nil {
		return nil, err
	}
	out.Rendition = r
	findings, err := s.checkRendition(ctx, title.ID, r, tmp, info, func(f float64) { t.Progress(f, "checking") })
	if err != nil {
		return nil, err
	}
	if err := moveIntoPlace(tmp, final, "rendition"); err != nil {
		return nil, err
	}
	os.RemoveAll(filepath.Join(s.workDir(title.ID), ".chunks", r.Name))
	return transcodeResult{Output: out, Findings: findings}, nil
}

func (s *Server) parts(id string, r transcode.Rendition, chunks []transcode.Chunk) []packager.Part {
	parts := make([]packager.Part, len(chunks))
	for i, c := range chunks {
		parts[i] = packager.Part{Dir: s.chunkDir(id, r, c), Chunk: c}
	}
	return parts
}
