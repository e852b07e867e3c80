package thumbs

import (
	"errors"
	"fmt"
	"time"
)

// Errors.
var (
	// ErrNoPicture: the analysis found no video frame to work from.
	ErrNoPicture = errors.New("thumbs: no picture in the source")
	// ErrBadImage is wrapped by DecodePoster for an unusable upload.
	ErrBadImage = errors.New("thumbs: bad image")
	// ErrNotKeyframe is wrapped by KeyframeRange when a segment does not
	// start with a movie fragment whose first sample is a sync sample.
	ErrNotKeyframe = errors.New("thumbs: segment does not start with a keyframe")
)

// Config says what to make. The zero value is not valid: start from
// DefaultConfig.
type Config struct {
	FFmpeg string // default "ffmpeg"

	// Sprite sheets: one tile every SpriteInterval, Columns × Rows tiles
	// per sheet, each TileWidth pixels wide (the height follows the
	// picture's shape).
	SpriteInterval time.Duration
	Columns, Rows  int
	TileWidth      int

	// Preview clip: PreviewLength long, PreviewHeight pixels high, at
	// PreviewKbps.
	PreviewLength time.Duration
	PreviewHeight int
	PreviewKbps   int

	// PosterWidth caps the poster's width (smaller pictures keep theirs).
	PosterWidth int

	Rules Rules
}

// Rules are the poster and preview thresholds.
type Rules struct {
	// BlackLuma: a mean luma below it is black.
	BlackLuma float64
	// CutScore: a scene score at or above it is a cut; CutGuard is how
	// far from a cut a poster must be.
	CutScore float64
	CutGuard time.Duration
	// MinEntropy: a normalized entropy below it is too flat for a poster.
	MinEntropy float64
}

// DefaultConfig is what the controller uses: a tile every 10 s, 5×5
// tiles of 160 px, a 6 s preview at 240 p and 400 kbit/s.
func DefaultConfig() Config {
	return Config{
		SpriteInterval: 10 * time.Second, Columns: 5, Rows: 5, TileWidth: 160,
		PreviewLength: 6 * time.Second, PreviewHeight: 240, PreviewKbps: 400,
		PosterWidth: 1280,
		Rules:       Rules{BlackLuma: 32, CutScore: 0.4, CutGuard: time.Second, MinEntropy: 0.35},
	}
}

// Validate checks the configuration.
func (c Config) Validate() error {
	switch {
	case c.SpriteInterval < 100*time.Millisecond:
		return fmt.Errorf("thumbs: sprite interval %v is under 100ms", c.SpriteInterval)
	case c.Columns < 1 || c.Rows < 1 || c.Columns*c.Rows > 400:
		return fmt.Errorf("thumbs: %dx%d tiles per sheet (1 to 400 tiles)", c.Columns, c.Rows)
	case c.TileWidth < 16 || c.TileWidth > 1920 || c.TileWidth%2 != 0:
		return fmt.Errorf("thumbs: tile width %d is not an even number of pixels from 16 to 1920", c.TileWidth)
	case c.PreviewLength < time.Second || c.PreviewHeight < 16 || c.PreviewKbps < 16:
		return fmt.Errorf("thumbs: preview %v at %dp and %d kbit/s is too small", c.PreviewLength, c.PreviewHeight, c.PreviewKbps)
	case c.PosterWidth < 16:
		return fmt.Errorf("thumbs: poster width %d is too small", c.PosterWidth)
	}
	return nil
}
