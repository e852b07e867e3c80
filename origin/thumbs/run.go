package thumbs

import (
	"context"
	"fmt"

	"github.com/vodedge/vodedge/origin/ffmpeg"
)

// run runs one ffmpeg command, naming what it made in the error.
func (c Config) run(ctx context.Context, what string, args []string) error {
	if err := ffmpeg.Run(ctx, ffmpeg.Cmd{Path: c.FFmpeg, Args: args}); err != nil {
		return fmt.Errorf("thumbs: %s: %w", what, err)
	}
	return nil
}
