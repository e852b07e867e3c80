package thumbs

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// Frame is one analysed sample of the source picture.
type Frame struct {
	Time    float64 // seconds from the start
	Luma    float64 // mean luma, 0–255 (16 is black in limited range)
	Sat     float64 // mean saturation
	Diff    float64 // mean luma difference with the previous sample
	Entropy float64 // normalized luma entropy, 0–1
	Scene   float64 // scene-change score against the previous sample, 0–1
}

// maxFrames bounds what an analysis keeps (a day at 1 sample/s).
const maxFrames = 100_000

// sampleRate is how many samples a second to analyse: up to 4, fewer
// for long titles so that at most maxFrames/2 are taken.
func sampleRate(dur time.Duration) float64 {
	s := dur.Seconds()
	if s <= 0 {
		return 4
	}
	return min(4, float64(maxFrames/2)/s)
}

// Analyze runs the analysis pass over src's first video stream.
func (c Config) Analyze(ctx context.Context, src string, dur time.Duration, progress func(float64)) ([]Frame, error) {
	vf := analysisFilter(dur)
	return c.analyze(ctx, []string{"-v", "info", "-i", src, "-map", "0:v:0", "-vf", vf, "-f", "null", "-"}, dur, progress)
}

// analyzeWithSprites runs the analysis pass and writes the sprite
// sheets g into dir from the same decode (split), which saves a whole
// decode of the source.
func (c Config) analyzeWithSprites(ctx context.Context, src string, dur time.Duration, g Sprites, dir string, progress func(float64)) ([]Frame, error) {
	graph := fmt.Sprintf("[0:v:0]split=2[a][s];[a]%s[ao];[s]%s[so]", analysisFilter(dur), g.filter())
	args := append([]string{"-v", "info", "-i", src, "-filter_complex", graph, "-map", "[ao]", "-f", "null", "-", "-map", "[so]"}, g.output(dir)...)
	return c.analyze(ctx, args, dur, progress)
}

// analysisFilter samples the picture, scales it small and prints the
// scene score, signalstats and entropy of each sample.
func analysisFilter(dur time.Duration) string {
	return fmt.Sprintf("fps=%s,scale=160:-2,select='gte(scene\\,0)',signalstats,entropy,metadata=print", num(sampleRate(dur)))
}

// analyze runs ffmpeg with args and parses the samples from its stderr
// as they come.
func (c Config) analyze(ctx context.Context, args []string, dur time.Duration, progress func(float64)) ([]Frame, error) {
	pr, pw := io.Pipe()
	done := make(chan []Frame, 1)
	go func() {
		frames := ParseFrames(pr)
		io.Copy(io.Discard, pr) // never block ffmpeg's stderr
		done <- frames
	}()
	cmd := ffmpeg.Cmd{Path: c.FFmpeg, Args: args, Stderr: pw}
	if progress != nil {
		cmd.Progress = func(p ffmpeg.Progress) { progress(p.Fraction(dur)) }
	}
	err := ffmpeg.Run(ctx, cmd)
	pw.Close()
	frames := <-done
	if err != nil {
		return nil, fmt.Errorf("thumbs: analyze: %w", err)
	}
	if len(frames) == 0 {
		return nil, fmt.Errorf("thumbs: analyze: %w", ErrNoPicture)
	}
	return frames, nil
}

// ParseFrames reads the metadata filter's log: a "pts_time:" line opens
// a sample and "lavfi.key=value" lines fill it. Unknown and malformed
// lines are skipped; at most maxFrames samples are kept.
func ParseFrames(r io.Reader) []Frame {
	var frames []Frame
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	open := false
	for sc.Scan() {
		line := sc.Text()
		if i := strings.Index(line, "pts_time:"); i >= 0 {
			t, err := strconv.ParseFloat(strings.Fields(line[i+len("pts_time:"):] + " x")[0], 64)
			open = err == nil && t >= 0 && t < 1e7 && len(frames) < maxFrames
			if open {
				frames = append(frames, Frame{Time: t})
			}
			continue
		}
		if open {
			frames[len(frames)-1].set(line)
		}
	}
	return frames
}

// set fills the field named by one "lavfi.key=value" line.
func (f *Frame) set(line string) {
	i := strings.Index(line, "lavfi.")
	if i < 0 {
		return
	}
	key, val, ok := strings.Cut(line[i+len("lavfi."):], "=")
	if !ok {
		return
	}
	v, err := strconv.ParseFloat(strings.TrimSpace(val), 64)
	if err != nil || v != v || v < -1e9 || v > 1e9 {
		return
	}
	switch key {
	case "scene_score":
		f.Scene = v
	case "signalstats.YAVG":
		f.Luma = v
	case "signalstats.SATAVG":
		f.Sat = v
	case "signalstats.YDIF":
		f.Diff = v
	case "entropy.normalized_entropy.normal.Y":
		f.Entropy = v
	}
}

func num(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
