// Package origin is the origin side of vodedge.
//
// This root package owns the object model that edges and fill agents use to
// read from an origin, and the four clients that implement it:
//
//   - File: a directory on local disk (file:///dir), opened through os.Root
//     so that no key can name a file outside the directory.
//   - HTTP: any HTTP/1.1 server that answers GET with Range (nginx, another
//     vodedge, a packager), through net/http.
//   - S3: an S3 bucket and optional prefix through aws-sdk-go-v2 GetObject
//     with Range, for AWS or any S3-compatible server.
//   - Sample: a tiny HLS title embedded in the binary, so that an edge runs
//     with no configuration at all.
//
// Open turns an origin spec (the edge's --origin flag) into one of them:
// "" or "sample:", file:///abs/dir, http(s)://host[:port][/prefix],
// s3://bucket[/prefix].
//
// Callers do not import an interface from here: each caller declares the
// one method it needs (cache.Origin, later fill.Source), and the clients
// satisfy it structurally. Fetcher (Fetch + Close) exists only as Open's
// result type. This package imports nothing from vodedge; the
// controller (ingest, transcode, catalog) lives in sub-packages so that
// edges do not link it.
//
// Errors are classified by sentinels (ErrNotFound, ErrRangeNotSatisfiable,
// ErrUnreachable, ErrTimeout, ErrBadResponse, ErrBadKey) wrapped with the
// step that failed; the edge maps them to HTTP status in one place. A caller that
// cancels its own context gets the context's error, not a sentinel: that
// is not the origin's failure.
//
// For a cache, requests can be conditional (IfNoneMatch,
// IfModifiedSince: every client answers an unchanged object with
// Meta.Status 304 and no body) and carry fields to forward (Header, sent
// by HTTP only); answers carry the origin's end-to-end response fields
// (Object.Header, HTTP and S3) and 404/410 errors the headers they came
// with (StatusError). With AnyStatus, the HTTP client answers other
// statuses (301, 204, 403, 404, 503, 599, …) as short Objects instead of
// errors, so that the edge passes the origin's error answers on. An S3
// object in an archive class (InvalidObjectState) is a 503 with
// Retry-After (an Object with AnyStatus, else a StatusError wrapping
// ErrArchived), and S3Options.Archived.Notify hears of it so the edge
// can ask the controller for a restore (s3archived.go).
// HTTP.Forward passes requests with unsafe methods to the origin.
//
// The HTTP and S3 clients share one set of checks on what a server sends
// (reply.go): a 206 must hold the requested offset (one starting earlier
// has its leading bytes dropped); a 200 to a range request is accepted
// and the leading bytes are skipped; a body that ends early is
// ErrBadResponse. The HTTP client also takes what RFC 9110 lets a
// server send for a range: a 206 shorter than asked is used and the rest
// asked for (partial.go; the same object or ErrBadResponse, at most
// maxParts requests), a 206 without a complete length ("/*") takes the
// size a HEAD gives with the same strong ETag, else is asked again
// without Range, and a multipart/byteranges 206 is read for the
// part holding the offset (byteranges.go). Both bound every wait:
// dial, response headers, and each body read (IdleReadTimeout).
package origin
