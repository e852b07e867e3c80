package transcode

import (
	"context"
	"fmt"
	"time"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// Chunk is one piece of a video rendition's timeline: source time
// [Start, End), cut at segment boundaries, whose segments are numbered
// from FirstSegment. End is zero for the last chunk (to the end of the
// source). A chunk's inputs (source file, rendition, chunk) and output
// (a directory of CMAF segments) are plain values and files, so a chunk
// can be encoded by any process that can read the source.
type Chunk struct {
	Index        int           `json:"index"`
	Start        time.Duration `json:"start_ns"`
	End          time.Duration `json:"end_ns,omitempty"`
	FirstSegment int           `json:"first_segment"`
}

// Chunks cuts a source of duration dur into chunks of about
// c.ChunkDuration (rounded down to a whole number of segments). A source
// shorter than two chunks gets nil: it is encoded whole.
func Chunks(dur time.Duration, c Config) []Chunk {
	seg := c.SegmentDuration
	if seg <= 0 || c.ChunkDuration > dur/2 {
		return nil
	}
	per := max(1, int(c.ChunkDuration/seg)) // segments per chunk
	span := time.Duration(per) * seg
	n := int(dur / span)
	if dur-time.Duration(n)*span < span/2 {
		n-- // a short tail joins the last chunk rather than standing alone
	}
	out := make([]Chunk, 0, n+1)
	for i := 0; i <= n; i++ {
		ch := Chunk{Index: i, Start: time.Duration(i) * span, FirstSegment: i * per}
		if i < n {
			ch.End = ch.Start + span
		}
		out = append(out, ch)
	}
	return out
}

// EncodeChunk writes chunk ch of video rendition r of src into dir (which
// must exist and should be empty): init.mp4, seg-NNNNN.m4s numbered from
// ch.FirstSegment, and index.m3u8. The source is seeked accurately to
// ch.Start and the output keeps the source's timeline, so its segments
// carry the decode times a whole-file encode gives them; joining is
// packager.Join's job. srcDur is for progress.
func (e *Encoder) EncodeChunk(ctx context.Context, src string, srcDur time.Duration, r Rendition, ch Chunk, dir string, progress func(float64)) (Output, error) {
	if r.Kind != Video {
		return Output{}, fmt.Errorf("%w: chunk of %s: only video renditions are chunked", ErrConfig, r.Name)
	}
	start := time.Now()
	cmd := ffmpeg.Cmd{Path: e.cfg.FFmpeg, Args: e.cfg.chunkArgs(src, r, ch, dir)}
	if progress != nil {
		length := ch.End - ch.Start
		if ch.End == 0 {
			length = srcDur - ch.Start
		}
		cmd.Progress = func(p ffmpeg.Progress) { progress(p.Fraction(length)) }
	}
	if err := ffmpeg.Run(ctx, cmd); err != nil {
		return Output{}, fmt.Errorf("transcode: %s chunk %d: %w", r.Name, ch.Index, err)
	}
	out, err := inspect(dir)
	if err != nil {
		return Output{}, fmt.Errorf("transcode: %s chunk %d: %w", r.Name, ch.Index, err)
	}
	out.Rendition, out.Elapsed = r, time.Since(start)
	return out, nil
}
