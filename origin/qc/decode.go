package qc

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// Decode decodes a whole rendition through its playlist: any decoder
// error, or a length that differs from the source's, is an error.
type Decode struct {
	FFmpeg     string
	Thresholds Thresholds
}

// Name is "decode".
func (d Decode) Name() string { return "decode" }

// Scan decodes in.Path (a playlist or media file).
func (d Decode) Scan(ctx context.Context, in Input, progress func(float64)) ([]Finding, error) {
	var stderr bytes.Buffer
	var decoded time.Duration
	cmd := ffmpeg.Cmd{
		Path: d.FFmpeg, Args: []string{"-v", "error", "-i", in.Path, "-map", "0", "-f", "null", "-"},
		Stderr: &limitedBuffer{b: &stderr, max: 64 << 10},
		Progress: func(p ffmpeg.Progress) {
			decoded = p.OutTime
			if progress != nil {
				progress(p.Fraction(in.Source.Duration))
			}
		},
	}
	err := ffmpeg.Run(ctx, cmd)
	if ctx.Err() != nil {
		return nil, err
	}
	var out []Finding
	if msg := strings.TrimSpace(stderr.String()); err != nil || msg != "" {
		out = append(out, Finding{Scanner: d.Name(), Check: "decode", Target: in.Target, Severity: Error,
			Message: "does not decode cleanly: " + firstLines(msg, err)})
	}
	return append(out, d.length(in, decoded)...), nil
}

func (d Decode) length(in Input, decoded time.Duration) []Finding {
	diff := decoded - in.Source.Duration
	f := Finding{Scanner: d.Name(), Check: "duration", Target: in.Target, Value: decoded.Seconds(), Severity: Info,
		Message: fmt.Sprintf("%.2f s long, source %.2f s", decoded.Seconds(), in.Source.Duration.Seconds())}
	if diff.Abs() > d.Thresholds.DurationTolerance {
		f.Severity = Error
		f.Message = fmt.Sprintf("%.2f s %s than the source (%.2f s)", diff.Abs().Seconds(), longerShorter(diff), in.Source.Duration.Seconds())
	}
	return []Finding{f}
}

func firstLines(msg string, err error) string {
	if msg == "" && err != nil {
		return err.Error()
	}
	lines := strings.Split(msg, "\n")
	if len(lines) > 3 {
		lines = append(lines[:3], fmt.Sprintf("(%d more lines)", len(lines)-3))
	}
	return strings.Join(lines, " | ")
}
