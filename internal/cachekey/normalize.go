package cachekey

import "unicode/utf8"

// Limits on keys and request-targets.
const (
	// MaxLen is the longest key, in bytes after decoding.
	MaxLen = 1024
	// MaxRawLen is the longest request-target accepted, query included.
	MaxRawLen = 8192
)

// Normalize appends the cache key for the raw request-target uri (as the
// client sent it, e.g. fasthttp's RequestURI()) to dst and returns it. On
// error it returns dst unchanged, and the error is one of this package's
// sentinels. dst must not overlap uri. Normalize does not allocate when dst
// has room for the key.
func Normalize(dst []byte, uri []byte) ([]byte, error) {
	path, err := splitTarget(uri)
	switch {
	case err != nil:
		return dst, err
	case len(path) == 0:
		return append(dst, '/'), nil
	case !isClean(path):
		return normalizeSlow(dst, path)
	case len(path) > MaxLen:
		return dst, ErrTooLong
	}
	return append(dst, path...), nil
}

// isClean reports whether path, which starts with "/", is already a key: it
// is printable ASCII without "%", "\", "#" or "?", with no "//" and no
// segment starting with ".".
func isClean(path []byte) bool {
	prev := byte(0)
	for _, c := range path {
		if !plain[c] && ((c != '/' && c != '.') || prev == '/') {
			return false
		}
		prev = c
	}
	return true
}

// plain holds the bytes that stand for themselves anywhere in a key:
// printable ASCII (space included) but "%", "\", "#", "?", "/" and ".".
var plain = func() (t [256]bool) {
	for c := ' '; c < 0x7f; c++ {
		t[c] = true
	}
	for _, c := range `%\#?/.` {
		t[c] = false
	}
	return t
}()

// normalizeSlow decodes path segment by segment into dst.
func normalizeSlow(dst, path []byte) ([]byte, error) {
	start := len(dst)
	dst = append(dst, '/')
	trailing := false // whether the key keeps a trailing "/"
	for rest := path; len(rest) > 0; {
		var seg []byte
		seg, rest = nextSegment(rest)
		n := len(dst)
		var err error
		if dst, err = appendSegment(dst, seg); err != nil {
			return dst[:start], err
		}
		switch string(dst[n:]) {
		case "", ".":
			dst, trailing = dst[:n], true
		case "..":
			return dst[:start], ErrDotDot
		default:
			dst, trailing = append(dst, '/'), false
		}
	}
	if !trailing && len(dst) > start+1 {
		dst = dst[:len(dst)-1]
	}
	return checkKey(dst, start)
}

// nextSegment splits the segment following the leading "/" of path from the
// rest, which is empty or starts with "/".
func nextSegment(path []byte) (seg, rest []byte) {
	path = path[1:]
	for i, c := range path {
		if c == '/' {
			return path[:i], path[i:]
		}
	}
	return path, nil
}

// checkKey checks the length and encoding of the key dst[start:].
func checkKey(dst []byte, start int) ([]byte, error) {
	switch key := dst[start:]; {
	case len(key) > MaxLen:
		return dst[:start], ErrTooLong
	case !utf8.Valid(key):
		return dst[:start], ErrBadUTF8
	}
	return dst, nil
}
