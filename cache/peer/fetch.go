package peer

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin"
)

// Errors of a peer request; each sends the request on to the next source.
var (
	// ErrMiss means the peer does not hold the slice and does not own
	// the key (a 404 with MissHeader).
	ErrMiss = errors.New("peer: peer miss")
	// ErrTimeout means the peer did not connect or answer within
	// Config.Timeout.
	ErrTimeout = errors.New("peer: peer timeout")
	// ErrFailed means the peer refused the connection or answered
	// something unusable (401, 5xx, a bad Content-Range, …).
	ErrFailed = errors.New("peer: peer failed")
)

// errIdle is the cancel cause of a peer body that stalled.
var errIdle = errors.New("peer body stalled")

// fetchPeer asks one peer for req.
func (p *Origin) fetchPeer(ctx context.Context, peer Peer, req origin.Request) (*origin.Object, error) {
	what := "GET " + peer.Name + " " + req.Key
	rctx, cancel := context.WithCancelCause(ctx)
	hreq, err := p.newRequest(rctx, peer, req)
	if err != nil {
		cancel(nil)
		return nil, p.outcome(peer, outcomeError, fmt.Errorf("peer: %s: %w: %w", what, ErrFailed, err))
	}
	timer := time.AfterFunc(p.cfg.Timeout, func() { cancel(ErrTimeout) })
	resp, err := p.client.Do(hreq)
	stopped := timer.Stop()
	switch {
	case err != nil && ctx.Err() != nil:
		cancel(nil)
		return nil, fmt.Errorf("peer: %s: %w", what, context.Cause(ctx))
	case err != nil && !stopped:
		cancel(nil)
		return nil, p.outcome(peer, outcomeTimeout, fmt.Errorf("peer: %s: no answer within %v: %w", what, p.cfg.Timeout, ErrTimeout))
	case err != nil:
		cancel(nil)
		return nil, p.outcome(peer, outcomeError, fmt.Errorf("peer: %s: %w: %w", what, ErrFailed, err))
	case !stopped: // answered just as the timer fired: the body is cancelled
		resp.Body.Close()
		cancel(nil)
		return nil, p.outcome(peer, outcomeTimeout, fmt.Errorf("peer: %s: no answer within %v: %w", what, p.cfg.Timeout, ErrTimeout))
	}
	obj, err := p.answer(ctx, rctx, cancel, peer, req, resp, what)
	if err != nil {
		resp.Body.Close()
		cancel(nil)
	}
	return obj, err
}

func (p *Origin) newRequest(ctx context.Context, peer Peer, req origin.Request) (*http.Request, error) {
	if peer.Addr == "" || !strings.HasPrefix(req.Key, "/") || req.Offset < 0 {
		return nil, fmt.Errorf("no peer address or bad request %q@%d", req.Key, req.Offset)
	}
	u := &url.URL{Scheme: "http", Host: peer.Addr, Path: req.Key}
	hreq, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, err
	}
	hreq.Header.Set("Authorization", p.cfg.Auth.Header())
	hreq.Header.Set("User-Agent", p.cfg.UserAgent)
	hreq.Header.Set("Range", rangeHeader(req))
	return hreq, nil
}

// rangeHeader asks for the request's bytes; a zero length asks for one
// byte, as origin clients do (a range cannot be empty).
func rangeHeader(req origin.Request) string {
	if req.Length < 0 || req.Offset > 1<<62 {
		return fmt.Sprintf("bytes=%d-", req.Offset)
	}
	return fmt.Sprintf("bytes=%d-%d", req.Offset, req.Offset+max(req.Length, 1)-1)
}

// answer classifies the peer's response.
func (p *Origin) answer(ctx, rctx context.Context, cancel context.CancelCauseFunc, peer Peer, req origin.Request, resp *http.Response, what string) (*origin.Object, error) {
	code := resp.StatusCode
	switch {
	case code == http.StatusPartialContent || code == http.StatusOK:
		obj, err := peerObject(req, resp, what)
		if err != nil {
			return nil, p.outcome(peer, outcomeError, err)
		}
		p.metrics.fetches.WithLabelValues(outcomeHit).Inc()
		obj.Body = p.newBody(ctx, rctx, cancel, req, obj, resp, what)
		return obj, nil
	case code == http.StatusNotFound && resp.Header.Get(MissHeader) == "1":
		return nil, p.outcome(peer, outcomeMiss, fmt.Errorf("peer: %s: %w", what, ErrMiss))
	case code == http.StatusNotFound || code == http.StatusGone:
		return nil, p.outcome(peer, outcomeNotFound, fmt.Errorf("peer: %s: status %d from the owner: %w", what, code, origin.ErrNotFound))
	case code == http.StatusUnauthorized:
		p.warnCredentials(peer)
	}
	return nil, p.outcome(peer, outcomeError, fmt.Errorf("peer: %s: status %d: %w", what, code, ErrFailed))
}

// warnCredentials logs, at most every 10 s, that a peer refused our
// credentials: the nodes do not share the same cluster key.
func (p *Origin) warnCredentials(peer Peer) {
	now := time.Now().UnixNano()
	if last := p.warned.Load(); now-last > int64(10*time.Second) && p.warned.CompareAndSwap(last, now) {
		p.log.Warn("peer: peer refused our credentials (401); do the nodes share the same cluster key file?", "peer", peer.Name, "addr", peer.Addr)
	}
}

// outcome counts a failed peer request and, when the peer itself seems
// down or broken, makes the router pass over it for a while.
func (p *Origin) outcome(peer Peer, outcome string, err error) error {
	p.metrics.fetches.WithLabelValues(outcome).Inc()
	if outcome == outcomeTimeout || outcome == outcomeError {
		p.router.PeerFailed(peer.Name)
	}
	return err
}
