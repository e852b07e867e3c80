package cachekey

import "bytes"

// splitTarget checks the request-target uri and returns its path, which is
// empty or starts with "/". The query is cut off unread.
func splitTarget(uri []byte) ([]byte, error) {
	switch {
	case len(uri) == 0:
		return nil, ErrEmpty
	case len(uri) > MaxRawLen:
		return nil, ErrTooLong
	case bytes.IndexByte(uri, '#') >= 0:
		return nil, ErrFragment
	}
	if uri[0] != '/' {
		return absolutePath(uri)
	}
	return cutQuery(uri), nil
}

// absolutePath returns the path of an absolute-form http or https target;
// it is empty for "http://host" and "http://host?q".
func absolutePath(uri []byte) ([]byte, error) {
	rest, ok := cutScheme(uri)
	if !ok {
		return nil, ErrNotOrigin
	}
	end := bytes.IndexAny(rest, "/?")
	if end < 0 {
		end = len(rest)
	}
	if host := rest[:end]; len(host) == 0 || bytes.IndexByte(host, '@') >= 0 {
		return nil, ErrAbsolute
	}
	return cutQuery(rest[end:]), nil
}

// cutScheme strips a case-insensitive "http://" or "https://" from uri.
func cutScheme(uri []byte) (rest []byte, ok bool) {
	for _, scheme := range [...]string{"http://", "https://"} {
		if hasPrefixFold(uri, scheme) {
			return uri[len(scheme):], true
		}
	}
	return nil, false
}

// hasPrefixFold reports whether s starts with prefix, which is lower case
// ASCII, ignoring ASCII case only.
func hasPrefixFold(s []byte, prefix string) bool {
	if len(s) < len(prefix) {
		return false
	}
	for i := range len(prefix) {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != prefix[i] {
			return false
		}
	}
	return true
}

func cutQuery(s []byte) []byte {
	if i := bytes.IndexByte(s, '?'); i >= 0 {
		return s[:i]
	}
	return s
}
