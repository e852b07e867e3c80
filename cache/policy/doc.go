// Package policy is the operator's per-path caching policy: which rule
// decides how long an object pulled from the origin stays fresh.
//
// A rule is written PATTERN=KIND[:PARAMS] (the edge's --cache-policy flag,
// repeatable; the first matching rule wins):
//
//	*.m4s=immutable:30d                 fresh for 30 days whatever the origin says
//	*.m3u8=origin:min=1s,max=10s        the origin's headers (RFC 9111), clamped
//	/live/*=origin:max=2s,swr=2s        ... with a stale-while-revalidate window
//	/api/*=pass                         never stored
//	*=rfc                               the origin's headers, unclamped
//
// A pattern without "/" matches the last path segment (so *.m4s matches
// /t/1080p/seg-1.m4s); one with "/" matches the whole key with path.Match
// rules ("*" does not cross "/"). Kinds:
//
//   - rfc: freshness from the origin's headers as RFC 9111 says.
//   - origin: the same, then clamped to [min, max]. min raises even an
//     explicit no-cache or max-age=0 (the point of a floor: a live
//     playlist asked by thousands of players costs the origin one request
//     per min); max lowers what the origin gave.
//   - immutable: fresh for the given lifetime from the moment it was
//     stored, and client reloads (no-cache, max-age=0) are ignored while
//     fresh, as for Cache-Control: immutable. For content that never
//     changes under its name: segments.
//   - pass: never stored; every request goes to the origin.
//
// Params of every kind but pass: swr=D and sie=D set the stale-while-
// revalidate and stale-if-error windows when the origin gave none; the
// flag query ("/api/*=rfc,query", or among the params) puts the request's
// query string into the cache key of the paths the rule matches (the
// edge otherwise leaves it out: segment URLs carry tokens). Rules are
// matched against the path, never the query. The
// origin's no-store and private are honoured under every kind: a rule
// makes things fresh longer, never shared when the origin said not to.
//
// Durations are Go durations plus days ("30d", "1d12h").
package policy
