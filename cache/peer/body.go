package peer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/vodedge/vodedge/origin"
)

// peerBody is the body of a peer's answer. It yields exactly the bytes
// the Object announces. A peer body that stalls for IdleTimeout, breaks
// or ends early is resumed once from the origin at the first missing
// byte, provided the origin's object is the same (size and ETag); a
// failure after that wraps origin.ErrBadResponse or origin.ErrTimeout as
// an origin body's would.
type peerBody struct {
	p        *Origin
	ctx      context.Context // the caller's: the origin fetch runs under it
	rctx     context.Context // the peer request's
	cancel   context.CancelCauseFunc
	rc       io.ReadCloser // the peer's body, then the origin's
	timer    *time.Timer   // cancels rctx with errIdle while a peer read blocks
	req      origin.Request
	meta     origin.Meta
	pos      int64 // object offset of the next byte
	left     int64
	fromPeer int64 // bytes that came from the peer
	resumed  bool
	what     string
	counted  bool
}

func (p *Origin) newBody(ctx, rctx context.Context, cancel context.CancelCauseFunc, req origin.Request, obj *origin.Object, resp *http.Response, what string) *peerBody {
	b := &peerBody{p: p, ctx: ctx, rctx: rctx, cancel: cancel, rc: resp.Body, req: req, meta: obj.Meta,
		pos: obj.Offset, left: obj.Length, what: what}
	b.timer = time.AfterFunc(p.cfg.IdleTimeout, func() { cancel(errIdle) })
	b.timer.Stop()
	return b
}

func (b *peerBody) Read(buf []byte) (int, error) {
	if b.left == 0 {
		b.count(nil)
		return 0, io.EOF
	}
	buf = buf[:min(int64(len(buf)), b.left)]
	n, err := b.read(buf)
	b.pos += int64(n)
	b.left -= int64(n)
	if !b.resumed {
		b.fromPeer += int64(n)
	}
	switch {
	case b.left == 0:
		b.count(nil)
		return n, io.EOF
	case err == nil:
		return n, nil
	case !b.resumed && b.ctx.Err() == nil:
		if err = b.resume(err); err == nil {
			return n, nil
		}
	}
	b.count(err)
	return n, b.classify(err)
}

// read reads from the current source, the idle timer armed for a peer.
func (b *peerBody) read(buf []byte) (int, error) {
	if b.resumed {
		return b.rc.Read(buf)
	}
	b.timer.Reset(b.p.cfg.IdleTimeout)
	n, err := b.rc.Read(buf)
	b.timer.Stop()
	if err == io.EOF {
		err = io.ErrUnexpectedEOF // left > 0 or we would not be reading
	}
	return n, err
}

// resume replaces the failed peer body with the origin's answer for the
// rest of the bytes.
func (b *peerBody) resume(cause error) error {
	b.resumed = true
	b.rc.Close()
	b.cancel(nil)
	b.p.metrics.resumes.Inc()
	b.p.log.Info("peer body failed; fetching the rest from the origin", "what", b.what, "at", b.pos, "left", b.left, "err", cause)
	obj, err := b.p.origin.Fetch(b.ctx, origin.Request{Key: b.req.Key, Offset: b.pos, Length: b.left})
	if err != nil {
		b.rc = io.NopCloser(eofReader{})
		return fmt.Errorf("peer: %s: peer body failed (%v), origin: %w", b.what, cause, err)
	}
	if obj.Size != b.meta.Size || obj.Length != b.left || (obj.ETag != "" && b.meta.ETag != "" && obj.ETag != b.meta.ETag) {
		obj.Body.Close()
		b.rc = io.NopCloser(eofReader{})
		return fmt.Errorf("peer: %s: the origin's object differs from the peer's (size %d/%d, ETag %s/%s): %w",
			b.what, obj.Size, b.meta.Size, obj.ETag, b.meta.ETag, origin.ErrBadResponse)
	}
	b.rc = obj.Body
	return nil
}

// classify wraps a final error the way origin bodies do, so that the
// cache counts it as a bad response or a timeout.
func (b *peerBody) classify(err error) error {
	switch {
	case errors.Is(err, origin.ErrBadResponse) || errors.Is(err, origin.ErrTimeout) || b.ctx.Err() != nil:
		return err
	case !b.resumed && errors.Is(context.Cause(b.rctx), errIdle):
		return fmt.Errorf("peer: %s: %w: %w", b.what, origin.ErrTimeout, errIdle)
	}
	return fmt.Errorf("peer: %s: %w: %w", b.what, origin.ErrBadResponse, err)
}

// count records the bytes that came from the peer, once.
func (b *peerBody) count(err error) {
	if b.counted {
		return
	}
	b.counted = true
	outcome := outcomeHit
	if err != nil || b.resumed {
		outcome = outcomeError
	}
	b.p.metrics.bytes.WithLabelValues(outcome).Add(float64(b.fromPeer))
}

// Close releases the peer request (dropping its connection if the body
// was not read to the end) and the origin's, if resumed.
func (b *peerBody) Close() error {
	b.timer.Stop()
	err := b.rc.Close()
	b.cancel(nil)
	b.count(nil)
	return err
}

type eofReader struct{}

func (eofReader) Read([]byte) (int, error) { return 0, io.EOF }
