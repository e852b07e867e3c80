package cachekey

// Escape appends key to dst as a URL path: "/" is kept and every other byte
// is percent-encoded as url.PathEscape encodes a path segment (with upper
// case hex). It does not validate key; for a key returned by Normalize,
// Normalize(Escape(key)) == key.
func Escape(dst []byte, key string) []byte {
	last := 0
	for i := 0; i < len(key); i++ {
		c := key[i]
		if c == '/' || unescaped[c] {
			continue
		}
		dst = append(dst, key[last:i]...)
		dst = append(dst, '%', upperHex[c>>4], upperHex[c&15])
		last = i + 1
	}
	return append(dst, key[last:]...)
}

const upperHex = "0123456789ABCDEF"

// unescaped holds the bytes url.PathEscape leaves as they are.
var unescaped = func() (t [256]bool) {
	for _, c := range "$&+-.:=@_~" {
		t[c] = true
	}
	for c := '0'; c <= '9'; c++ {
		t[c] = true
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c], t[c-'a'+'A'] = true, true
	}
	return t
}()
