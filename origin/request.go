package origin

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxKeyLen bounds a key. 1024 bytes is S3's limit, and no video path
// comes near it; a longer key is a malformed or hostile request.
const maxKeyLen = 1024

// checkKey validates a key defensively even though the edge normalizes keys
// first: every client maps keys onto a namespace (a directory, a URL path,
// an S3 key) and must not be tricked into naming something else. A valid key
// starts with "/", has non-empty segments other than "." and "..", and holds
// valid UTF-8 without control characters. It never names a directory
// ("/a/" has an empty last segment).
func checkKey(key string) error {
	if why := keyProblem(key); why != "" {
		if len(key) > 80 { // keep hostile keys out of logs
			key = key[:80] + "..."
		}
		return fmt.Errorf("origin: key %q: %s: %w", key, why, ErrBadKey)
	}
	return nil
}

// keyProblem says what is wrong with key, or "" when nothing is.
func keyProblem(key string) string {
	switch {
	case len(key) < 2 || key[0] != '/':
		return "must start with / and name an object"
	case len(key) > maxKeyLen:
		return fmt.Sprintf("longer than %d bytes", maxKeyLen)
	case !utf8.ValidString(key):
		return "not valid UTF-8"
	}
	for i := 0; i < len(key); i++ {
		if c := key[i]; c < 0x20 || c == 0x7f {
			return fmt.Sprintf("control character at byte %d", i)
		}
	}
	for seg := range strings.SplitSeq(key[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return "empty, . or .. segment"
		}
	}
	return ""
}

// check validates the key and the offset. A negative offset is reported as
// a RangeError of unknown size: like any offset outside the object, it asks
// for bytes that do not exist.
func (r Request) check() error {
	if err := checkKey(r.Key); err != nil {
		return err
	}
	if r.Offset < 0 {
		return &RangeError{Key: r.Key, Size: -1}
	}
	return nil
}

// span returns how many bytes the request covers in an object of the given
// size: min(Length, size-Offset). An offset at or past the end is a
// RangeError, except offset 0 of an empty object, which is an empty answer
// (an empty file is a valid object, not an unsatisfiable range).
func (r Request) span(size int64) (int64, error) {
	if r.Offset < 0 || r.Offset > size || (r.Offset == size && size > 0) {
		return 0, &RangeError{Key: r.Key, Size: size}
	}
	n := size - r.Offset
	if r.Length >= 0 && r.Length < n {
		n = r.Length
	}
	return n, nil
}

// whole reports whether the request asks for the whole object, which is
// fetched without a Range header.
func (r Request) whole() bool { return r.Offset == 0 && r.Length < 0 }

// rangeHeader returns the value of the Range header for the request,
// "bytes=off-" or "bytes=off-last". A zero Length asks for one byte: a
// range cannot be empty, and the answer still proves the offset is inside
// the object and carries the metadata.
func (r Request) rangeHeader() string {
	if r.Length < 0 {
		return fmt.Sprintf("bytes=%d-", r.Offset)
	}
	n := max(r.Length, 1)
	if r.Offset > maxInt64-n { // the last byte would overflow: ask for the rest
		return fmt.Sprintf("bytes=%d-", r.Offset)
	}
	return fmt.Sprintf("bytes=%d-%d", r.Offset, r.Offset+n-1)
}

const maxInt64 = 1<<63 - 1
