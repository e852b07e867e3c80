package qc

import (
	"bytes"
	"context"
	"fmt"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// Markers finds playback markers on a source (markers_detect.go) in one
// ffmpeg pass (blackdetect and scdet on a scaled-down picture,
// silencedetect on the audio). Its findings are Info: check "intro"
// (Start, End), "credits" (Start; End is the title's end) with Value the
// confidence, and "scene-cuts" with Value the number of cuts. The
// controller turns them into the title's markers.
type Markers struct {
	FFmpeg string
}

// Marker checks.
const (
	CheckIntro     = "intro"
	CheckCredits   = "credits"
	CheckSceneCuts = "scene-cuts"
)

// Name is "markers".
func (m Markers) Name() string { return "markers" }

// Scan analyzes in.Path.
func (m Markers) Scan(ctx context.Context, in Input, progress func(float64)) ([]Finding, error) {
	if _, ok := in.Source.MainVideo(); !ok {
		return nil, nil
	}
	d, err := m.Analyze(ctx, in, progress)
	if err != nil {
		return nil, err
	}
	out := []Finding{{Scanner: m.Name(), Check: CheckSceneCuts, Target: in.Target, Severity: Info,
		Value: float64(d.Cuts), Message: fmt.Sprintf("%d scene cuts", d.Cuts)}}
	if i := d.Intro; i != nil {
		out = append(out, Finding{Scanner: m.Name(), Check: CheckIntro, Target: in.Target, Severity: Info,
			Start: i.Start, End: i.End, Value: i.Confidence,
			Message: fmt.Sprintf("intro from %s to %s (confidence %.2f)", clock(i.Start), clock(i.End), i.Confidence)})
	}
	if c := d.Credits; c != nil {
		out = append(out, Finding{Scanner: m.Name(), Check: CheckCredits, Target: in.Target, Severity: Info,
			Start: c.Start, End: c.End, Value: c.Confidence,
			Message: fmt.Sprintf("end credits from %s (confidence %.2f)", clock(c.Start), c.Confidence)})
	}
	return out, nil
}

// Analyze runs the detectors and applies the heuristic.
func (m Markers) Analyze(ctx context.Context, in Input, progress func(float64)) (DetectedMarkers, error) {
	args := []string{"-v", "info", "-i", in.Path, "-map", "0:v:0",
		"-vf", fmt.Sprintf("scale=-2:180,blackdetect=d=%s:pix_th=0.10,scdet=threshold=10", num(minGap))}
	hasAudio := len(in.Source.Audio) > 0
	if hasAudio {
		args = append(args, "-map", "0:a:0", "-af", fmt.Sprintf("silencedetect=n=-50dB:d=%s", num(minGap)))
	}
	args = append(args, "-f", "null", "-")
	var log bytes.Buffer
	cmd := ffmpeg.Cmd{Path: m.FFmpeg, Args: args, Stderr: &limitedBuffer{b: &log, max: 16 << 20}}
	if progress != nil {
		cmd.Progress = func(p ffmpeg.Progress) { progress(p.Fraction(in.Source.Duration)) }
	}
	if err := ffmpeg.Run(ctx, cmd); err != nil {
		return DetectedMarkers{}, fmt.Errorf("qc: markers of %s: %w", in.Target, err)
	}
	total := in.Source.Duration.Seconds()
	a := ParseLog(bytes.NewReader(log.Bytes()), total)
	return detectMarkers(a.Black, a.Silence, ParseCuts(bytes.NewReader(log.Bytes())), total, hasAudio), nil
}
