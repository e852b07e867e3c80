package probe

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
	"time"
)

// Prober runs ffprobe. The zero value runs "ffprobe" from PATH with a
// one-minute timeout.
type Prober struct {
	// Path of the ffprobe binary; default "ffprobe".
	Path string
	// Timeout bounds one run; default 1 minute (probing reads headers
	// only, but a network file system can be slow).
	Timeout time.Duration
}

// maxOutput bounds what is kept of ffprobe's stdout and stderr.
const maxOutput = 4 << 20

// Probe runs ffprobe on path. Errors wrap ErrNotVideo (the file is not a
// usable video, with ffprobe's reason) or ErrProbe (ffprobe could not run).
func (p Prober) Probe(ctx context.Context, path string) (*Info, error) {
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	bin := p.Path
	if bin == "" {
		bin = "ffprobe"
	}
	cmd := exec.CommandContext(ctx, bin, "-v", "error", "-print_format", "json",
		"-show_format", "-show_streams", "--", path)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &limited{b: &stdout}, &limited{b: &stderr}
	err := cmd.Run()
	if err != nil {
		return nil, p.failed(ctx, err, stderr.String())
	}
	return Parse(stdout.Bytes())
}

// failed tells "ffprobe said the file is bad" (it ran and exited non-zero)
// from "ffprobe did not run to completion".
func (p Prober) failed(ctx context.Context, err error, stderr string) error {
	var exit *exec.ExitError
	if ctx.Err() == nil && errors.As(err, &exit) && exit.ExitCode() > 0 {
		return fmt.Errorf("%w: %s", ErrNotVideo, reason(stderr))
	}
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return fmt.Errorf("%w: %w", ErrProbe, err)
}

// reason returns ffprobe's last error line without the file name
// (which would repeat the server's temporary path to the client).
func reason(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	last := strings.TrimSpace(lines[len(lines)-1])
	if i := strings.LastIndex(last, ": "); i >= 0 {
		last = last[i+2:]
	}
	if last == "" {
		return "ffprobe cannot read it"
	}
	return last
}

// limited is a writer that keeps at most maxOutput bytes.
type limited struct{ b *bytes.Buffer }

func (l *limited) Write(p []byte) (int, error) {
	if room := maxOutput - l.b.Len(); room > 0 {
		l.b.Write(p[:min(len(p), room)])
	}
	return len(p), nil
}
