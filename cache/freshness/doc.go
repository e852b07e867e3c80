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
//   - A delta's leading digits count, as Varnish, Squid and Traffic
//     Server read it (http-tests/cache-tests results): max-age=3600.5 and
//     max-age=3600a are 3600. max-age and s-maxage with a value that does
//     not start with a digit ("a3600", "-1", "'3600'") count as 0
//     (stale): the most restrictive reading of a broken directive. Spaces
//     around "=" are tolerated (Varnish, Traffic Server); a quoted value
//     is accepted (RFC 9111 §5.2: recipients SHOULD accept both forms).
//     stale-while-revalidate and stale-if-error with a bad value are
//     ignored (they only ever widen what may be served).
//   - Delta-seconds larger than 2^31 are 2^31 (§1.2.2).
//   - An Expires that does not parse ("0", "-1") is in the past (§5.3).
//   - Heuristic freshness is a fraction of Date − Last-Modified, capped,
//     and only for heuristically cacheable statuses or "public" responses
//     without explicit freshness (§4.2.2).
package freshness
