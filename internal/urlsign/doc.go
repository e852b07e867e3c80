// Package urlsign signs and verifies vodedge URLs: steering signs every
// URL it hands a player, and the edge checks the token on every request.
// Both sides are here, in one leaf package (standard library only), so
// the format has one definition.
//
// # Token
//
// A token is KID.EXP.CP.PL.SIG: the key ID, the expiry (Unix seconds),
// the client prefix length it is bound to (0: any client), the scope
// length (0: exactly this path; n: every path that starts with the first
// n bytes of the signed one, a directory ending in "/") and SIG, the
// HMAC-SHA256 under the key of a message made of a label, the key ID,
// the expiry, the masked client prefix, the scope length and the scope
// bytes (numbers in binary), in unpadded base64url (43 characters, the
// spare bits zero).
//
// It travels in one of two places:
//
//	/_vt/TOKEN/titles/t1/master.m3u8     InPath (default), with ScopeDir
//	/titles/t1/720p/seg-1.m4s?vt=TOKEN   InQuery, usually with ScopeFile
//
// The path form is the default because HLS and DASH playlists name their
// renditions and segments by relative references: resolved against
// /_vt/TOKEN/titles/t1/master.m3u8 they keep the token segment, and a
// directory scope (/titles/t1/) covers them, so a player needs no help.
// A query token is lost on the first relative reference.
//
// # Verifying
//
// Verifier.Verify takes the raw request-target and the peer's address
// and returns the target without its token segment, from which the edge
// computes its cache key (so the token never splits the cache), or one
// of the sentinel errors: ErrMissing, ErrMalformed, ErrUnknownKey,
// ErrTampered (altered path, expiry, scope, key ID or signature, or a
// token bound to another client's prefix), ErrExpired, ErrScope (a path
// under a directory token that climbs out of it with dot segments,
// backslashes or percent-encoded dots and slashes). The signature is
// compared in constant time (hmac.Equal) before the expiry is looked at,
// so "expired" is only said of genuine tokens. Every error maps to 403;
// Reason gives a metric label.
//
// Verify does not allocate (TestVerifyDoesNotAllocate): HMAC states come
// from a per-key sync.Pool (an HMAC's Reset restores its precomputed
// pads) with their scratch buffers. It costs 0.6–0.8 µs, signing 0.4–0.5
// µs (BenchmarkVerify, BenchmarkSign on the 2-core box).
//
// # Keys and rotation
//
// A keys file has one "ID BASE64-SECRET" per line (LoadKeys). Steering
// signs with the first key of its file; an edge accepts every key of its
// file. To rotate: add the new key at the end of the edges' files
// (reload), then put it first in steering's; once the old URLs have
// expired (the TTL, 6 h by default), remove the old key everywhere.
//
// Binding to the client's prefix (SignerConfig.ClientBitsV4/V6, e.g. 24
// and 48) stops a URL from being shared beyond the client's network. It
// is off by default: a dual-stack player may ask steering over one
// family and the edge over the other.
package urlsign
