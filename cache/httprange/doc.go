// Package httprange parses HTTP Range request headers (RFC 9110 §14) and
// builds the pieces of a 206 answer: Content-Range values and the framing of
// a multipart/byteranges body.
//
// It owns only the byte arithmetic of ranges; it knows nothing of caches,
// validators (If-Range) or connections. It imports the standard library only
// (bytes, cmp, errors, fmt, io, math, slices, strconv).
//
// Everything on the request path works on []byte, appends into a
// caller-supplied slice and does not allocate: a server keeps a pooled
// []Range (cap MaxRanges) and a pooled []byte and passes them as dst[:0].
// No function panics on request data.
//
// Decisions:
//
//   - Parse returns sentinel errors the server maps to a status: ErrNoRange
//     (no or empty header: 200), ErrInvalid (bad syntax or unknown unit:
//     ignore the header, 200, as RFC 9110 §14.2 says), ErrUnsatisfiable (416
//     with AppendUnsatisfied). ErrTooLarge wraps ErrInvalid, so
//     errors.Is(err, ErrInvalid) holds for it; it is separate so that the
//     server can count likely attacks.
//   - A header with more than MaxRanges range-specs or longer than
//     MaxHeaderLen bytes is ErrTooLarge. Real players ask for one range; the
//     limit stops the "many overlapping ranges" amplification attack
//     (CVE-2011-3192) before any work is done on the ranges.
//   - The grammar is RFC 9110's: "bytes" (any case) "=" then a list of
//     first-last, first- or -suffix. Optional whitespace (SP, HTAB) is
//     accepted around list elements, hence after '=' and around commas,
//     and empty list elements are skipped (RFC 9110 §5.6.1). Whitespace
//     inside a range-spec, signs, and numbers that do not fit in an int64 are
//     ErrInvalid, as is first > last, even when other specs are fine.
//   - Ranges are returned clipped to the representation and in request
//     order; ranges starting at or past the end are dropped. Parse does not
//     sort or merge: Coalesce does that when the server wants it (RFC 9110
//     §14.6 allows it), typically with a gap near the per-part overhead
//     (about 100 bytes), after which a single remaining range is served as a
//     plain 206.
//   - Multi-range answers are framed, not buffered: Multipart computes the
//     exact body length up front (for Content-Length) and the header of each
//     part, and Multipart.Copy streams the parts from an io.ReaderAt. The
//     boundary is the caller's (a random one per process or per response,
//     e.g. from mime/multipart.Writer.Boundary); it is limited to characters
//     that need no quoting in the Content-Type parameter.
package httprange
