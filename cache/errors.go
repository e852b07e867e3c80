package cache

import (
	"context"
	"errors"
	"net/http"

	"github.com/vodedge/vodedge/origin"
)

// errObjectChanged is returned mid-stream when a later slice of an object
// belongs to another version than the one whose headers were sent.
var errObjectChanged = errors.New("cache: object changed at the origin during the response")

// errShuttingDown answers requests that need the origin once shutdown
// has cancelled origin fetches.
var errShuttingDown = errors.New("cache: shutting down")

// errPeerMiss answers a peer request for a slice this node does not hold
// (and does not own): the peer goes elsewhere, never to the origin
// through this node.
var errPeerMiss = errors.New("cache: not cached on this peer")

// errDiskFailed answers a request whose slice file failed to open again
// and again.
var errDiskFailed = errors.New("cache: reading a stored slice failed")

// statusFor maps an error to the HTTP status and the short reason sent to
// the client. It is the only place where errors become statuses.
func statusFor(err error) (int, string) {
	switch {
	case errors.Is(err, origin.ErrNotFound):
		return http.StatusNotFound, "not found"
	case errors.Is(err, origin.ErrBadKey):
		return http.StatusBadRequest, "bad path"
	case errors.Is(err, origin.ErrTimeout), errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout, "origin timeout"
	case errors.Is(err, origin.ErrUnreachable):
		return http.StatusBadGateway, "origin unreachable"
	case errors.Is(err, errOnlyIfCached):
		return http.StatusGatewayTimeout, "not cached (only-if-cached)"
	case errors.Is(err, errPeerMiss):
		return http.StatusNotFound, "not cached on this peer"
	case errors.Is(err, errDiskFailed):
		return http.StatusServiceUnavailable, "reading a stored slice failed"
	case errors.Is(err, errShuttingDown), errors.Is(err, context.Canceled):
		return http.StatusServiceUnavailable, "shutting down"
	default:
		return http.StatusBadGateway, "bad response from origin"
	}
}
