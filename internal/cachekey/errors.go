package cachekey

import "errors"

// Errors returned by Normalize. Each names the problem, for the body of the
// 400 answer.
var (
	ErrEmpty        = errors.New("cachekey: empty request-target")
	ErrNotOrigin    = errors.New("cachekey: request-target is not an absolute path")
	ErrAbsolute     = errors.New("cachekey: malformed absolute-form request-target")
	ErrTooLong      = errors.New("cachekey: path too long")
	ErrFragment     = errors.New("cachekey: fragment in request-target")
	ErrDotDot       = errors.New("cachekey: path contains a .. segment")
	ErrEncodedSlash = errors.New("cachekey: encoded slash")
	ErrBackslash    = errors.New("cachekey: backslash in path")
	ErrControl      = errors.New("cachekey: control character in path")
	ErrBadEscape    = errors.New("cachekey: malformed percent escape")
	ErrEncodedDelim = errors.New("cachekey: encoded %, ? or # in path")
	ErrBadUTF8      = errors.New("cachekey: path is not valid UTF-8")
)
