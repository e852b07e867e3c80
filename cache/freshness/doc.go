// Package freshness holds the arithmetic of RFC 9111 for a shared cache:
// parsing Cache-Control (response and request directives), whether a
// response may be stored, its freshness lifetime (s-maxage, max-age,
// Expires − Date, heuristic) and its age (§4.2.3).
//
// It knows nothing of slices, tiers or connections and imports the
// standard library only. Parsers never panic on input and are fuzzed.
//
// Decisions:
//
//   - A directive given twice: the first occurrence wins (RFC 9111
//     §4.2.1 allows that or treating the response as stale).
//   - max-age and s-maxage with a value that is not delta-seconds count
//     as 0 (stale): the most restrictive reading of a broken directive.
//     stale-while-revalidate and stale-if-error with a bad value are
//     ignored (they only ever widen what may be served).
//   - Delta-seconds larger than 2^31 are 2^31 (§1.2.2).
//   - An Expires that does not parse ("0", "-1") is in the past (§5.3).
//   - Heuristic freshness is a fraction of Date − Last-Modified, capped,
//     and only for heuristically cacheable statuses or "public" responses
//     without explicit freshness (§4.2.2).
package freshness
