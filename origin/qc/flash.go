package qc

import (
	"context"
	"fmt"
	"math"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// Flashes finds photosensitivity hazards on a source: stretches of
// general or red flashes above the limit (flash_detect.go has the
// definition). Its findings are errors (the title is held) when
// Thresholds.Flashes is FlashHold, warnings otherwise.
type Flashes struct {
	FFmpeg     string
	Thresholds Thresholds
}

// Name is "photosensitivity".
func (f Flashes) Name() string { return "photosensitivity" }

// Flash checks, as findings name them.
const (
	CheckFlash    = "flash"
	CheckRedFlash = "red-flash"
)

// maxAnalysisFPS caps the analysis rate; flashes faster than 30 Hz are
// not seen as flashes.
const maxAnalysisFPS = 60

// Scan decodes in.Path's main video scaled down and rates its flashes.
func (f Flashes) Scan(ctx context.Context, in Input, progress func(float64)) ([]Finding, error) {
	if _, ok := in.Source.MainVideo(); !ok {
		return nil, nil
	}
	d, err := f.Analyze(ctx, in, progress)
	if err != nil {
		return nil, err
	}
	limit := f.Thresholds.FlashesPerSecond
	out := f.findings(CheckFlash, "flashing", flashStretches(d.lumaTrack.events, limit), in.Target)
	return append(out, f.findings(CheckRedFlash, "red flashing", flashStretches(d.redTrack.events, limit), in.Target)...), nil
}

// Analyze runs ffmpeg and feeds every frame to a detector.
func (f Flashes) Analyze(ctx context.Context, in Input, progress func(float64)) (*flashDetector, error) {
	fps := analysisFPS(in)
	d := newFlashDetector(f.Thresholds.FlashArea, int(math.Round(fps/15)))
	w := &frameWriter{size: 3 * flashCells, fn: func(n int, b []byte) { d.frame(b, float64(n)/fps) }}
	cmd := ffmpeg.Cmd{Path: f.FFmpeg, Stdout: w,
		Args: []string{"-v", "error", "-i", in.Path, "-map", "0:v:0", "-an", "-sn",
			"-vf", fmt.Sprintf("fps=%s,scale=%d:%d:flags=area,format=rgb24", num(fps), flashW, flashH),
			"-f", "rawvideo", "-pix_fmt", "rgb24", "-"}}
	if progress != nil {
		cmd.Progress = func(p ffmpeg.Progress) { progress(p.Fraction(in.Source.Duration)) }
	}
	if err := ffmpeg.Run(ctx, cmd); err != nil {
		return nil, fmt.Errorf("qc: flash analysis of %s: %w", in.Target, err)
	}
	return d, nil
}

// analysisFPS is the source's frame rate, rounded and capped; 25 when
// unknown.
func analysisFPS(in Input) float64 {
	v, _ := in.Source.MainVideo()
	fps := math.Round(v.FPS)
	if fps <= 0 || math.IsNaN(fps) {
		return 25
	}
	return min(fps, maxAnalysisFPS)
}

func (f Flashes) findings(check, what string, list []flashStretch, target string) []Finding {
	sev := Warning
	if f.Thresholds.Flashes == FlashHold {
		sev = Error
	}
	var out []Finding
	for _, s := range list {
		out = append(out, Finding{
			Scanner: f.Name(), Check: check, Target: target, Severity: sev,
			Message: fmt.Sprintf("%s at up to %.1f flashes a second from %s to %s (limit %g)",
				what, s.PerSecond, clock(s.Start), clock(s.End), f.Thresholds.FlashesPerSecond),
			Start: s.Start, End: s.End, Value: s.PerSecond,
		})
	}
	return out
}

// frameWriter cuts ffmpeg's raw output into frames of size bytes.
type frameWriter struct {
	size int
	fn   func(n int, frame []byte)
	buf  []byte
	n    int
}

func (w *frameWriter) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		take := min(len(p), w.size-len(w.buf))
		w.buf = append(w.buf, p[:take]...)
		p = p[take:]
		if len(w.buf) == w.size {
			w.fn(w.n, w.buf)
			w.n++
			w.buf = w.buf[:0]
		}
	}
	return total, nil
}
