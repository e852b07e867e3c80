package transcode

import (
	"context"
	"fmt"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// ExtractSubtitle converts subtitle stream index (ffprobe's absolute
// stream index) of src to WebVTT in the file out. ffmpeg does this for
// text subtitles only (mov_text, subrip, webvtt, ass); a bitmap stream
// fails.
func (e *Encoder) ExtractSubtitle(ctx context.Context, src string, index int, out string) error {
	err := ffmpeg.Run(ctx, ffmpeg.Cmd{Path: e.cfg.FFmpeg, Args: []string{
		"-y", "-v", "error", "-i", src, "-map", fmt.Sprintf("0:%d", index), "-c:s", "webvtt", "-f", "webvtt", out,
	}})
	if err != nil {
		return fmt.Errorf("transcode: extract subtitle stream %d: %w", index, err)
	}
	return nil
}
