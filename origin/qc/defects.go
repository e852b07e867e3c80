package qc

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// Defects looks for black, frozen and silent stretches and measures
// loudness on a source, in one ffmpeg pass.
type Defects struct {
	FFmpeg     string // default "ffmpeg"
	Thresholds Thresholds
}

// Name is "defects".
func (d Defects) Name() string { return "defects" }

// Scan analyzes in.Path and rates what it finds.
func (d Defects) Scan(ctx context.Context, in Input, progress func(float64)) ([]Finding, error) {
	a, err := d.Analyze(ctx, in, progress)
	if err != nil {
		return nil, err
	}
	total := in.Source.Duration.Seconds()
	var out []Finding
	t := d.Thresholds
	out = append(out, d.stretches("black", "black picture", a.Black, t.BlackWarn, t.BlackFail, in.Target, total)...)
	out = append(out, d.stretches("freeze", "frozen picture", a.Freeze, t.FreezeWarn, t.FreezeFail, in.Target, total)...)
	out = append(out, d.stretches("silence", "silence", a.Silence, t.SilenceWarn, t.SilenceFail, in.Target, total)...)
	out = append(out, d.loudness(a, in.Target)...)
	return append(out, d.avLength(in)...), nil
}

// Analyze runs the detectors and returns the raw measurements.
func (d Defects) Analyze(ctx context.Context, in Input, progress func(float64)) (Analysis, error) {
	t := d.Thresholds
	minStretch := min(t.BlackWarn, t.FreezeWarn, t.SilenceWarn).Seconds()
	args := []string{"-v", "info", "-i", in.Path, "-map", "0:v:0",
		"-vf", fmt.Sprintf("scale=-2:180,blackdetect=d=%s:pix_th=%s,freezedetect=n=%sdB:d=%s",
			num(minStretch), num(t.BlackPixel), num(t.FreezeNoise), num(minStretch))}
	hasAudio := len(in.Source.Audio) > 0
	if hasAudio {
		args = append(args, "-map", "0:a:0", "-af",
			fmt.Sprintf("silencedetect=n=%sdB:d=%s,ebur128=framelog=verbose:peak=true", num(t.SilenceNoise), num(minStretch)))
	}
	args = append(args, "-f", "null", "-")
	var log bytes.Buffer
	cmd := ffmpeg.Cmd{Path: d.FFmpeg, Args: args, Stderr: &limitedBuffer{b: &log, max: 16 << 20}}
	if progress != nil {
		cmd.Progress = func(p ffmpeg.Progress) { progress(p.Fraction(in.Source.Duration)) }
	}
	if err := ffmpeg.Run(ctx, cmd); err != nil {
		return Analysis{}, fmt.Errorf("qc: analyze %s: %w", in.Target, err)
	}
	return ParseLog(&log, in.Source.Duration.Seconds()), nil
}

func (d Defects) stretches(check, what string, list []Interval, warn, fail time.Duration, target string, total float64) []Finding {
	var out []Finding
	for _, iv := range list {
		sev, ok := d.Thresholds.stretch(warn, fail, iv.Start, iv.End, total)
		if !ok {
			continue
		}
		out = append(out, Finding{
			Scanner: d.Name(), Check: check, Target: target, Severity: sev,
			Message: fmt.Sprintf("%s for %.1f s from %s", what, iv.End-iv.Start, clock(iv.Start)),
			Start:   iv.Start, End: iv.End, Value: iv.End - iv.Start,
		})
	}
	return out
}

func (d Defects) loudness(a Analysis, target string) []Finding {
	if !a.HasLoudness {
		return nil
	}
	t := d.Thresholds
	f := Finding{Scanner: d.Name(), Check: "loudness", Target: target, Value: a.Loudness, Severity: Info,
		Message: fmt.Sprintf("integrated loudness %.1f LUFS, range %.1f LU, true peak %.1f dBTP", a.Loudness, a.LRA, a.TruePeak)}
	switch {
	case a.Loudness < t.LoudnessMin || a.Loudness > t.LoudnessMax:
		f.Severity = Error
	case a.Loudness < t.LoudnessWarnMin || a.Loudness > t.LoudnessWarnMax:
		f.Severity = Warning
	}
	out := []Finding{f}
	if a.TruePeak > t.TruePeakMax {
		out = append(out, Finding{Scanner: d.Name(), Check: "true-peak", Target: target, Severity: Warning, Value: a.TruePeak,
			Message: fmt.Sprintf("true peak %.1f dBTP above %.1f: may clip after encoding", a.TruePeak, t.TruePeakMax)})
	}
	return out
}

// avLength compares the source's audio and video stream lengths.
func (d Defects) avLength(in Input) []Finding {
	v, ok := in.Source.MainVideo()
	if !ok || len(in.Source.Audio) == 0 || v.Duration == 0 || in.Source.Audio[0].Duration == 0 {
		return nil
	}
	diff := in.Source.Audio[0].Duration - v.Duration
	if diff.Abs() <= d.Thresholds.DurationTolerance {
		return nil
	}
	return []Finding{{Scanner: d.Name(), Check: "av-length", Target: in.Target, Severity: Warning, Value: diff.Seconds(),
		Message: fmt.Sprintf("audio is %.2f s %s than video", diff.Abs().Seconds(), longerShorter(diff))}}
}

func longerShorter(d time.Duration) string {
	if d > 0 {
		return "longer"
	}
	return "shorter"
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

func clock(sec float64) string {
	d := time.Duration(sec * float64(time.Second)).Round(100 * time.Millisecond)
	return fmt.Sprintf("%d:%02d:%04.1f", int(d.Hours()), int(d.Minutes())%60, float64(d%time.Minute)/float64(time.Second))
}

// limitedBuffer keeps at most max bytes of the log (ffmpeg at -v info
// writes a few lines per detected stretch, not per frame).
type limitedBuffer struct {
	b   *bytes.Buffer
	max int
}

func (l *limitedBuffer) Write(p []byte) (int, error) {
	if room := l.max - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
