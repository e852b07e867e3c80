package thumbs

import (
	"context"
	"path/filepath"
	"time"
)

// Source is the picture to work from.
type Source struct {
	Path          string
	Duration      time.Duration
	Width, Height int // as displayed (after rotation)
}

// Artwork is what Make wrote and why.
type Artwork struct {
	Poster  Pick    `json:"poster"`
	Preview Pick    `json:"preview"`
	Sprites Sprites `json:"sprites"`
}

// Make analyses src and writes into dir the poster (poster.jpg), the
// sprite sheets and their track (thumbs.vtt) and the preview clip
// (preview.mp4). progress gets 0–1.
func (c Config) Make(ctx context.Context, src Source, dir string, progress func(float64)) (*Artwork, error) {
	g, err := c.spriteGeometry(src.Duration, src.Width, src.Height)
	if err != nil {
		return nil, err
	}
	frames, err := c.analyzeWithSprites(ctx, src.Path, src.Duration, g, dir, func(f float64) { progress(f * 0.8) })
	if err != nil {
		return nil, err
	}
	if err := g.finish(dir); err != nil {
		return nil, err
	}
	dur := src.Duration.Seconds()
	a := &Artwork{Sprites: g, Preview: c.Rules.PickClip(frames, dur, c.PreviewLength.Seconds())}
	if a.Poster, err = c.Rules.PickPoster(frames, dur); err != nil {
		return nil, err
	}
	if err := c.ExtractPoster(ctx, src.Path, a.Poster.Time, filepath.Join(dir, PosterFile)); err != nil {
		return nil, err
	}
	progress(0.85)
	if err := c.MakePreview(ctx, src.Path, a.Preview, filepath.Join(dir, PreviewFile)); err != nil {
		return nil, err
	}
	progress(1)
	return a, nil
}
