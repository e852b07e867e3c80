package origin

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"
)

// Sentinel errors. Clients wrap them with %w and the step that failed, so
// callers classify with errors.Is.
var (
	// ErrNotFound means the origin answered that the key does not exist.
	ErrNotFound = errors.New("origin: not found")
	// ErrRangeNotSatisfiable means the requested offset is at or past the
	// end of the object; the error is a *RangeError carrying the size.
	ErrRangeNotSatisfiable = errors.New("origin: range not satisfiable")
	// ErrUnreachable means no answer could be obtained: connection refused,
	// DNS failure, connection reset before the response, a 5xx.
	ErrUnreachable = errors.New("origin: unreachable")
	// ErrTimeout means the origin did not answer (or stopped sending) within
	// the configured time.
	ErrTimeout = errors.New("origin: timeout")
	// ErrBadResponse means the origin answered something unusable: an
	// unexpected status, a malformed Content-Range, a body shorter than
	// announced.
	ErrBadResponse = errors.New("origin: bad response")
	// ErrBadKey means the key cannot be asked of this origin (it would
	// leave the origin's root, or is not a valid object name).
	ErrBadKey = errors.New("origin: bad key")
)

// RangeError is returned (wrapping ErrRangeNotSatisfiable) when the
// requested offset is not inside the object. Size is the object's size, or
// -1 when the origin did not say.
type RangeError struct {
	Key  string
	Size int64
}

func (e *RangeError) Error() string {
	return fmt.Sprintf("origin: range not satisfiable for %q (size %d)", e.Key, e.Size)
}

// Unwrap makes errors.Is(err, ErrRangeNotSatisfiable) true.
func (e *RangeError) Unwrap() error { return ErrRangeNotSatisfiable }

// Meta describes an object as the origin reported it. A Meta is immutable
// once returned: callers may share it between goroutines.
type Meta struct {
	// Size is the total size of the object in bytes, or -1 when unknown.
	// Only the HTTP client returns -1, and only for a whole-object request
	// (Offset 0, Length < 0) answered 200 without Content-Length (chunked);
	// Length is then -1 too and Body runs to EOF. A request for a range
	// always gets a known size (or ErrBadResponse).
	Size int64
	// ETag is the entity tag exactly as the origin sent it, quotes and W/
	// prefix included; empty when the origin sent none.
	ETag string
	// LastModified is the zero time when the origin sent none.
	LastModified time.Time
	// ContentType is empty when the origin sent none.
	ContentType string
	// Status is the HTTP status the origin answered for this
	// representation: 0 or 200 for the object's bytes (a 206 to a range
	// request is 200 here); 304 for a conditional request the object
	// still matches (no body, Size -1); another status only when the
	// request set AnyStatus (HTTP origins).
	Status int
}

// NotModified reports whether the origin answered a conditional request
// with 304: the stored version is still current.
func (m *Meta) NotModified() bool { return m.Status == http.StatusNotModified }

// StatusError is an origin's error answer with the headers it sent, so
// that a cache can apply the origin's Cache-Control to a 404. It wraps the
// sentinel that classifies it (ErrNotFound for 404 and 410, ErrUnreachable
// for 5xx).
type StatusError struct {
	What   string // "GET url"
	Status int
	Header http.Header
	Err    error
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("origin: %s: status %d: %v", e.What, e.Status, e.Err)
}

func (e *StatusError) Unwrap() error { return e.Err }

// Object is one answer from an origin: the metadata of the whole object and
// a body holding the bytes [Offset, Offset+Length) of it. The caller owns
// Body and must close it.
type Object struct {
	Meta
	// Offset of the first byte of Body within the object.
	Offset int64
	// Length of Body in bytes: min(Request.Length, Size-Offset), or -1
	// when Size is. Body yields exactly Length bytes or fails with an error
	// wrapping ErrBadResponse or ErrTimeout (or the context's error when
	// the caller cancelled it).
	Length int64
	// Body is read under the context given to Fetch: keep that context
	// alive until Body is closed, cancel it to abort the transfer.
	Body io.ReadCloser
	// Header holds the origin's end-to-end response header fields
	// (hop-by-hop fields removed): Cache-Control, Expires, Date, Age,
	// Vary, Location, … The HTTP and S3 clients fill it; File and Sample
	// leave it nil. Callers must not modify it.
	Header http.Header
}

// Request names the bytes wanted from an object.
type Request struct {
	// Key is the object's normalized path, starting with "/" (for example
	// "/title/1080p/seg-00001.m4s"). Clients map it onto their namespace.
	Key string
	// Offset is the first byte wanted.
	Offset int64
	// Length is the number of bytes wanted from Offset; a negative value
	// means up to the end of the object. Clients return fewer bytes when the
	// object ends sooner.
	Length int64

	// IfNoneMatch and IfModifiedSince, when set, make the request
	// conditional (the edge revalidating what it holds): an object that
	// still matches is answered with Meta.Status 304 and an empty body.
	// IfNoneMatch is an entity tag as the origin sent it.
	IfNoneMatch     string
	IfModifiedSince time.Time
	// Header holds request header fields to forward (those a Vary
	// response nominated, Accept-Encoding, …). Only the HTTP client sends
	// them; it never lets them replace Range, the conditionals or Host.
	Header http.Header
	// AnyStatus asks the HTTP client to answer every status but 200,
	// 206, 304 and 416 as an Object with Meta.Status set, the origin's
	// fields and the whole (short) body, instead of an error: a 301,
	// 204, 403, 404, 410, 500, 503 or 599 that a cache passes on or
	// stores.
	// A body longer than Length (1 MiB when Length < 0) is
	// ErrBadResponse. Other clients ignore it.
	AnyStatus bool
	// Head asks the HTTP client for the fields only, with a HEAD
	// request (a cache passing a client's HEAD on): every answer is an
	// Object with Size from Content-Length (-1 when a 200 has none),
	// Offset and Length 0 and an empty Body; Range, Offset and Length
	// are not sent. Other clients ignore it and answer as for a GET.
	Head bool
	// RawQuery, when set, is sent as the request's query string (a
	// cache whose key includes it); only the HTTP client sends it.
	RawQuery string
	// Hints, when set, is called by the HTTP client with the fields of
	// each 103 (Early Hints) interim response the origin sends before
	// its answer, on the client's goroutine. Other clients never call it.
	Hints func(h http.Header)

	// noRange sends no Range (a retry after a 206 without a complete
	// length); sized is the size and strong ETag a HEAD gave for such an
	// object (partial.go); part counts the requests one answer took so
	// far (a 206 shorter than asked is continued).
	noRange bool
	sized   *Meta
	part    int
}

// conditional reports whether the request asks for a 304 when unchanged.
func (r Request) conditional() bool { return r.IfNoneMatch != "" || !r.IfModifiedSince.IsZero() }
