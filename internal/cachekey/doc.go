// Package cachekey turns the raw request-target of an HTTP request into the
// normalized path used as a cache key, and turns a key back into a URL path
// for the origin.
//
// It owns the rules of what a valid key is; it does not know hosts, tenants,
// variants or query parameters. It imports the standard library only
// (bytes, errors, unicode/utf8).
//
// A key is a decoded absolute path: it starts with "/", holds no "//", no
// "." or ".." segment, no control character, no "\", "%", "?" or "#", is
// valid UTF-8 and at most MaxLen bytes long. A key is its own request-target:
// Normalize(key) == key, so a key found in a log or given to a purge API
// normalizes to itself, and Normalize(Escape(key)) == key.
//
// Decisions:
//
//   - The query is dropped without being looked at: it carries tokens and is
//     never part of the key. Only a '#' anywhere in the target is an error,
//     since a fragment is never sent in a request line.
//   - Percent escapes are decoded, so "/a%62c" and "/abc" are one object,
//     as they are for an S3-like origin, which sees names, not encodings.
//     An escape decoding to "/" or "\" is rejected rather than decoded (it
//     would change the segment structure, or mean a separator to a Windows
//     origin), and so is one decoding to "%", "?" or "#": such a key would
//     not be its own request-target, and rejecting "%25" makes double
//     encoding ("%252e%252e") impossible. Objects whose names contain these
//     characters cannot be served through the edge.
//   - Any ".." segment, raw or encoded, is rejected, even one that would stay
//     inside the root: no request has a reason to send one. "." segments and
//     empty segments (runs of "/") are removed; a trailing "/" is kept, as
//     RFC 3986 dot removal keeps it ("/a/." is "/a/"), because "/dir/" and
//     "/dir" are different names to an origin.
//   - Raw bytes the RFC would have clients encode (space, non-ASCII UTF-8,
//     quotes) are accepted as their decoded selves, since keys contain them;
//     raw control characters and "\" are rejected. There is no Unicode
//     normalization: keys are compared byte for byte.
//   - The absolute-form ("http://host/path", RFC 9112 §3.2.2, which a server
//     must accept) is accepted for the http and https schemes: the authority
//     is dropped and the path used ("/" when empty). The authority must be
//     non-empty and hold no userinfo ("@"); it is not otherwise checked,
//     since the key never includes it and the server takes the host from the
//     request as a whole. Other forms (authority-form, "*") are rejected.
//   - The raw target is bounded by MaxRawLen (query included) before any
//     work, the decoded key by MaxLen.
//   - The common case (a path of printable ASCII with no "%", "\", "//" or
//     segment starting with ".") is a single scan and a copy.
package cachekey
