package ffmpeg

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"
)

// ErrFailed is wrapped by Run when ffmpeg exits non-zero; the message
// carries the tail of its stderr.
var ErrFailed = errors.New("ffmpeg: failed")

// Cmd is one ffmpeg invocation.
type Cmd struct {
	// Path of the binary; default "ffmpeg".
	Path string
	// Args follow the global options Run adds (-hide_banner -nostdin
	// -nostats -progress pipe:1); they must not read stdin, and write
	// stdout ("-" or pipe:1) only when Stdout is set.
	Args []string
	// Stdout, if set, receives ffmpeg's standard output (raw frames for
	// an analysis); progress then comes on a third descriptor (pipe:3).
	Stdout io.Writer
	// Progress, if set, is called from Run's goroutine for each
	// progress block.
	Progress func(Progress)
	// Stderr, if set, receives all of ffmpeg's stderr (the quality
	// checks parse filter logs from it); the tail is kept for errors
	// either way.
	Stderr io.Writer
}

// tailBytes is how much of stderr an error message carries.
const tailBytes = 2048

// Run runs c until ffmpeg exits or ctx ends (ffmpeg is then killed and
// ctx's error returned). A non-zero exit wraps ErrFailed with stderr's tail.
func Run(ctx context.Context, c Cmd) error {
	bin := c.Path
	if bin == "" {
		bin = "ffmpeg"
	}
	progressPipe := "pipe:1"
	if c.Stdout != nil {
		progressPipe = "pipe:3"
	}
	args := append([]string{"-hide_banner", "-nostdin", "-nostats", "-progress", progressPipe}, c.Args...)
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.SysProcAttr = sysProcAttr()
	cmd.WaitDelay = 5 * time.Second
	tail := &tailWriter{max: tailBytes}
	cmd.Stderr = tail
	if c.Stderr != nil {
		cmd.Stderr = io.MultiWriter(tail, c.Stderr)
	}
	progressOut, err := progressReader(cmd, c.Stdout)
	if err != nil {
		return fmt.Errorf("ffmpeg: %w", err)
	}
	defer progressOut.Close()
	err = cmd.Start()
	for _, f := range cmd.ExtraFiles {
		f.Close() // the child holds its own copy of the write end
	}
	if err != nil {
		return fmt.Errorf("ffmpeg: start %s: %w", bin, err)
	}
	progress := c.Progress
	if progress == nil {
		progress = func(Progress) {}
	}
	perr := ParseProgress(progressOut, progress)
	err = cmd.Wait()
	return result(ctx, err, perr, tail.String())
}

// progressReader connects the progress stream: stdout, or, when the
// caller takes stdout, a pipe passed as descriptor 3.
func progressReader(cmd *exec.Cmd, stdout io.Writer) (io.ReadCloser, error) {
	if stdout == nil {
		return cmd.StdoutPipe()
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	cmd.Stdout, cmd.ExtraFiles = stdout, []*os.File{w}
	return r, nil
}

func result(ctx context.Context, waitErr, progressErr error, stderr string) error {
	if ctx.Err() != nil {
		return fmt.Errorf("ffmpeg: %w", context.Cause(ctx))
	}
	var exit *exec.ExitError
	if errors.As(waitErr, &exit) {
		return fmt.Errorf("%w (%s): %s", ErrFailed, exit.ProcessState, lastLines(stderr))
	}
	if waitErr != nil {
		return fmt.Errorf("ffmpeg: %w", waitErr)
	}
	if progressErr != nil && !errors.Is(progressErr, io.EOF) {
		return fmt.Errorf("ffmpeg: read progress: %w", progressErr)
	}
	return nil
}

// lastLines keeps the last few lines of stderr, where ffmpeg says why.
func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > 4 {
		lines = lines[len(lines)-4:]
	}
	return strings.Join(lines, " | ")
}

// tailWriter keeps the last max bytes written to it.
type tailWriter struct {
	mu  sync.Mutex // protects buf
	buf []byte
	max int
}

func (w *tailWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	if over := len(w.buf) - w.max; over > 0 {
		w.buf = append(w.buf[:0], w.buf[over:]...)
	}
	return len(p), nil
}

func (w *tailWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return string(bytes.ToValidUTF8(w.buf, []byte("?")))
}
