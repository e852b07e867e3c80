package urlsign

import "errors"

// Verification errors. Verify returns them unwrapped (no allocation on
// the request path); the edge answers 403 to every one of them, with
// the error's text as the body.
var (
	// ErrMissing: the URL carries no token.
	ErrMissing = errors.New("urlsign: no token in the URL")
	// ErrMalformed: a token is there but does not parse.
	ErrMalformed = errors.New("urlsign: malformed token")
	// ErrUnknownKey: the token names a key ID this node does not have.
	ErrUnknownKey = errors.New("urlsign: unknown key ID")
	// ErrTampered: the signature does not match the path, expiry, scope
	// or client prefix (an altered URL, or a URL signed for another
	// client).
	ErrTampered = errors.New("urlsign: signature does not match the URL")
	// ErrExpired: the signature matches but the expiry has passed.
	ErrExpired = errors.New("urlsign: token expired")
	// ErrScope: the path is not under the directory the token covers,
	// or tries to leave it (dot segments, encoded separators).
	ErrScope = errors.New("urlsign: path outside the token's scope")
)

// Reason is a short label for a verification error, for metrics and
// logs: missing, malformed, unknown_key, tampered, expired, scope; ""
// for nil and "other" for an error that is not this package's.
func Reason(err error) string {
	switch err {
	case nil:
		return ""
	case ErrMissing:
		return "missing"
	case ErrMalformed:
		return "malformed"
	case ErrUnknownKey:
		return "unknown_key"
	case ErrTampered:
		return "tampered"
	case ErrExpired:
		return "expired"
	case ErrScope:
		return "scope"
	}
	return "other"
}
