package thumbs

import (
	"context"
	"fmt"
)

// PreviewFile is the preview clip's name in the artwork directory.
const PreviewFile = "preview.mp4"

// MakePreview encodes the clip p of src as a muted H.264 MP4 at out,
// PreviewHeight high (or the source's height if smaller), with the
// index first so a browser starts playing at once.
func (c Config) MakePreview(ctx context.Context, src string, p Pick, out string) error {
	kbps := fmt.Sprintf("%dk", c.PreviewKbps)
	args := []string{"-v", "error", "-y", "-ss", num(p.Time), "-t", num(p.Length), "-i", src,
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-vf", fmt.Sprintf("scale=w=-2:h='min(%d,ih)',setsar=1", c.PreviewHeight),
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
		"-b:v", kbps, "-maxrate", kbps, "-bufsize", fmt.Sprintf("%dk", 2*c.PreviewKbps),
		"-movflags", "+faststart", out}
	return c.run(ctx, "preview", args)
}
