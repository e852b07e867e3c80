package cache

import (
	"fmt"
	"net/netip"

	"github.com/vodedge/vodedge/internal/urlsign"
)

// URLVerifier checks the signed-URL token steering put in a request
// target and returns the target without it. *urlsign.Verifier implements
// it; a disabled one still strips tokens, so steering's URLs resolve on a
// node that does not check them.
type URLVerifier interface {
	Verify(target []byte, client netip.Addr) (rest []byte, err error)
}

var _ URLVerifier = (*urlsign.Verifier)(nil)

// verifyURL runs the URL check for a player's GET or HEAD. It returns the
// target to derive the cache key from, and false when it has answered 403
// (missing, malformed, expired, tampered, unknown-key or out-of-scope
// token: the body names which).
func (h *handler) verifyURL(rq *request) ([]byte, bool) {
	target := rq.ctx.Request.Header.RequestURI()
	if h.urls == nil || rq.peer {
		return target, true
	}
	ip, _ := netip.AddrFromSlice(rq.ctx.RemoteIP())
	rest, err := h.urls.Verify(target, ip.Unmap())
	if err != nil {
		h.metrics.tokenRejections.WithLabelValues(urlsign.Reason(err)).Inc()
		h.answerError(rq, fmt.Errorf("%w: %w", errForbidden, err), tierNone)
		return nil, false
	}
	return rest, true
}
