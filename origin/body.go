package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"time"
)

// errIdle is the cancel cause of a request whose body stalled for longer
// than the idle read timeout.
var errIdle = errors.New("no data within the idle read timeout")

// remoteBody is the body of an HTTP or S3 answer. It owes exactly left
// bytes (-1: until EOF), turns an early EOF into ErrBadResponse, and
// enforces the idle read timeout by cancelling the request's context when a
// Read blocks too long: cancelling is the one way to unblock a read in
// net/http, and it also frees the connection.
//
// Only time spent inside Read counts: a caller that is slow to read (a slow
// client downstream) does not make the origin look stalled.
type remoteBody struct {
	rc     io.ReadCloser
	ctx    context.Context // the request's context
	cancel context.CancelCauseFunc
	timer  *time.Timer // cancels ctx with errIdle; nil without idle timeout
	idle   time.Duration
	what   string // "GET url", for errors
	left   int64
}

// newRemoteBody wraps rc, whose request runs under ctx; cancel must cancel
// ctx and is called by Close.
func newRemoteBody(ctx context.Context, cancel context.CancelCauseFunc, rc io.ReadCloser, idle time.Duration, what string) *remoteBody {
	b := &remoteBody{rc: rc, ctx: ctx, cancel: cancel, idle: idle, what: what, left: -1}
	if idle > 0 {
		b.timer = time.AfterFunc(idle, func() { cancel(errIdle) })
		b.timer.Stop()
	}
	return b
}

func (b *remoteBody) Read(p []byte) (int, error) {
	if b.left == 0 {
		return 0, io.EOF
	}
	if b.left > 0 && int64(len(p)) > b.left {
		p = p[:b.left]
	}
	if b.timer != nil {
		b.timer.Reset(b.idle)
	}
	n, err := b.rc.Read(p)
	if b.timer != nil {
		b.timer.Stop()
	}
	if b.left > 0 {
		b.left -= int64(n)
	}
	switch {
	case b.left == 0:
		return n, io.EOF
	case err == io.EOF && b.left > 0:
		return n, fmt.Errorf("origin: %s: body ended %d bytes early: %w: %w", b.what, b.left, ErrBadResponse, io.ErrUnexpectedEOF)
	case err != nil && err != io.EOF:
		return n, classify(b.ctx, b.what, err, ErrBadResponse)
	}
	return n, err
}

// discard skips n bytes: an origin that ignored Range sent the object from
// its first byte.
func (b *remoteBody) discard(n int64) error {
	b.left = n
	_, err := io.Copy(io.Discard, b)
	return err
}

// Close closes the body and releases the request's context. A body closed
// before its end drops the connection rather than draining an unknown
// amount of data.
func (b *remoteBody) Close() error {
	if b.timer != nil {
		b.timer.Stop()
	}
	err := b.rc.Close()
	b.cancel(nil)
	return err
}

// classify wraps err, which happened during what under ctx, with the
// sentinel naming its class: ErrTimeout for the idle timer, a deadline or a
// network timeout; the caller's own cancellation as is (it is not the
// origin's failure); anything else as otherwise (ErrUnreachable before an
// answer, ErrBadResponse in the middle of one).
func classify(ctx context.Context, what string, err error, otherwise error) error {
	switch {
	case errors.Is(context.Cause(ctx), errIdle):
		return fmt.Errorf("origin: %s: %w: %w", what, ErrTimeout, errIdle)
	case isTimeout(err):
		return fmt.Errorf("origin: %s: %w: %w", what, ErrTimeout, err)
	case ctx.Err() != nil: // the caller gave up; not the origin's fault
		return fmt.Errorf("origin: %s: %w", what, context.Cause(ctx))
	default:
		return fmt.Errorf("origin: %s: %w: %w", what, otherwise, err)
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout())
}
