package cache

import (
	"context"
	"errors"
	"net"
	"net/http"

	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/cache/httprange"
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

// errWouldBlock ends an event-loop request's lookup that the loop must
// not answer (query.inLoop); it is never answered with, only handed off.
var errWouldBlock = errors.New("cache: not a fresh hit found in memory (event loop)")

// errDiskFailed answers a request whose slice file failed to open again
// and again.
var errDiskFailed = errors.New("cache: reading a stored slice failed")

// errOnlyIfCached answers only-if-cached requests the cache cannot.
var errOnlyIfCached = errors.New("cache: not cached (only-if-cached)")

// Errors in the request itself. A cause from another package (a cachekey
// or urlsign error, fasthttp's parse error) is joined to its class with
// classed, so that statusFor finds the class and the client reads the
// cause.
var (
	errBadTarget        = errors.New("cache: bad request target")
	errForbidden        = errors.New("forbidden")
	errMethod           = errors.New("cache: method not allowed")
	errBodyTooLarge     = errors.New("cache: request body too large")
	errPeerUnauthorized = errors.New("cache: peer request without valid cluster credentials")
	errMalformed        = errors.New("cache: malformed request")
)

// classed marks cause as one of the classes above: errors.Is matches
// both, and the message is the cause's.
type classed struct{ class, cause error }

func (e *classed) Error() string   { return e.cause.Error() }
func (e *classed) Unwrap() []error { return []error{e.class, e.cause} }

// statusFor maps an error to the HTTP status and the short reason sent to
// the client. It is the only place where errors become statuses on the
// public and peer listeners.
func statusFor(err error) (int, string) {
	switch {
	case errors.Is(err, errMalformed):
		return protocolStatus(err)
	case errors.Is(err, errBadTarget):
		return http.StatusBadRequest, err.Error()
	case errors.Is(err, errForbidden):
		return http.StatusForbidden, err.Error()
	case errors.Is(err, errMethod):
		return http.StatusMethodNotAllowed, "method not allowed"
	case errors.Is(err, errBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "request body too large"
	case errors.Is(err, errPeerUnauthorized):
		return http.StatusUnauthorized, "peer request without valid cluster credentials"
	case errors.Is(err, httprange.ErrUnsatisfiable):
		return http.StatusRequestedRangeNotSatisfiable, "range not satisfiable"
	}
	return cacheStatusFor(err)
}

// cacheStatusFor maps the errors of the lookup and the origin.
func cacheStatusFor(err error) (int, string) {
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

// protocolStatus maps the errors of requests fasthttp could not parse:
// a header not complete within ReadTimeout (a slow sender, or a
// connection that never sent a request) is 408, oversized headers 431,
// an oversized body 413, anything else 400.
func protocolStatus(err error) (int, string) {
	var small *fasthttp.ErrSmallBuffer
	var ne net.Error
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return http.StatusRequestTimeout, "request timeout"
	case errors.As(err, &small):
		return http.StatusRequestHeaderFieldsTooLarge, "request headers too large"
	case errors.Is(err, fasthttp.ErrBodyTooLarge):
		return http.StatusRequestEntityTooLarge, "request body too large"
	}
	return http.StatusBadRequest, "malformed request"
}
