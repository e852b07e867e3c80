package transcode

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// Encoder encodes renditions with one validated Config. It is safe for
// concurrent use: each Encode is its own ffmpeg process.
type Encoder struct {
	cfg Config
}

// NewEncoder validates cfg and checks that ffmpeg runs and has an
// encoder for every configured codec, so that a missing libx265 fails at
// start-up rather than on the first title.
func NewEncoder(ctx context.Context, cfg Config) (*Encoder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	out, err := exec.CommandContext(ctx, cfg.FFmpeg, "-hide_banner", "-encoders").Output()
	if err != nil {
		return nil, fmt.Errorf("transcode: run %s -encoders: %w", cfg.FFmpeg, err)
	}
	for _, c := range cfg.Codecs {
		if !bytes.Contains(out, []byte(" "+c.Encoder()+" ")) {
			return nil, fmt.Errorf("%w: codec %s: this ffmpeg has no %s encoder", ErrConfig, c, c.Encoder())
		}
	}
	return &Encoder{cfg: cfg}, nil
}

// Config returns the validated configuration.
func (e *Encoder) Config() Config { return e.cfg }

// Output describes a finished rendition directory.
type Output struct {
	Rendition Rendition     `json:"rendition"`
	Segments  int           `json:"segments"`
	Bytes     int64         `json:"bytes"`
	Elapsed   time.Duration `json:"elapsed_ns"`
}

// Encode writes rendition r of src (whose duration is srcDur, for
// progress) into dir, which must exist and should be empty: init.mp4,
// seg-NNNNN.m4s and index.m3u8. progress, if set, gets the fraction done.
// On error dir holds a partial rendition that the caller discards.
func (e *Encoder) Encode(ctx context.Context, src string, srcDur time.Duration, r Rendition, dir string, progress func(float64)) (Output, error) {
	start := time.Now()
	cmd := ffmpeg.Cmd{Path: e.cfg.FFmpeg, Args: e.cfg.args(src, r, dir)}
	if progress != nil {
		cmd.Progress = func(p ffmpeg.Progress) { progress(p.Fraction(srcDur)) }
	}
	if err := ffmpeg.Run(ctx, cmd); err != nil {
		return Output{}, fmt.Errorf("transcode: %s: %w", r.Name, err)
	}
	out, err := inspect(dir)
	if err != nil {
		return Output{}, fmt.Errorf("transcode: %s: %w", r.Name, err)
	}
	out.Rendition, out.Elapsed = r, time.Since(start)
	return out, nil
}

// inspect counts what ffmpeg wrote and checks that the rendition is
// complete: a playlist ending in ENDLIST, an init segment, segments.
func inspect(dir string) (Output, error) {
	pl, err := os.ReadFile(filepath.Join(dir, PlaylistFile))
	if err != nil {
		return Output{}, fmt.Errorf("no playlist: %w", err)
	}
	if !strings.Contains(string(pl), "#EXT-X-ENDLIST") {
		return Output{}, fmt.Errorf("playlist %s is incomplete", PlaylistFile)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return Output{}, err
	}
	var out Output
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			return Output{}, err
		}
		out.Bytes += info.Size()
		if strings.HasPrefix(e.Name(), "seg-") {
			out.Segments++
		}
	}
	if out.Segments == 0 {
		return Output{}, fmt.Errorf("no segments written")
	}
	return out, nil
}
