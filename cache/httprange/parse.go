package httprange

import (
	"bytes"
	"math"
)

// Parse parses the Range header value h for a representation of size bytes
// and appends the satisfiable ranges, clipped to size and in request order,
// to dst. On error it returns dst unchanged: ErrNoRange when h is empty or
// blank, ErrInvalid (or ErrTooLarge) when h is not a valid bytes range set,
// ErrUnsatisfiable when it is valid but no range starts before size.
//
// A negative size is treated as 0. Parse does not allocate when dst has room
// for the result; pass dst[:0] of a slice with capacity MaxRanges.
func Parse(dst []Range, h []byte, size int64) ([]Range, error) {
	if len(h) > MaxHeaderLen {
		return dst, ErrTooLarge
	}
	if h = trimOWS(h); len(h) == 0 {
		return dst, ErrNoRange
	}
	set, ok := cutUnit(h)
	if !ok {
		return dst, ErrInvalid
	}
	out, err := parseSet(dst, set, max(size, 0))
	if err != nil {
		return dst, err
	}
	if len(out) == len(dst) {
		return dst, ErrUnsatisfiable
	}
	return out, nil
}

// cutUnit strips the "bytes=" prefix from h; the unit is case-insensitive.
func cutUnit(h []byte) (set []byte, ok bool) {
	const unit = "bytes"
	if len(h) <= len(unit) || h[len(unit)] != '=' {
		return nil, false
	}
	for i := range len(unit) {
		// Folding with 0x20 is exact for letters: only 'B' and 'b' give 'b'.
		if h[i]|0x20 != unit[i] {
			return nil, false
		}
	}
	return h[len(unit)+1:], true
}

// parseSet parses the comma-separated range-set and appends the satisfiable
// ranges to dst.
func parseSet(dst []Range, set []byte, size int64) ([]Range, error) {
	specs := 0
	for len(set) > 0 {
		var elem []byte
		elem, set = cutComma(set)
		elem = trimOWS(elem)
		if len(elem) == 0 {
			continue // empty list elements are allowed (RFC 9110 §5.6.1)
		}
		if specs++; specs > MaxRanges {
			return dst, ErrTooLarge
		}
		r, ok, err := parseSpec(elem, size)
		if err != nil {
			return dst, err
		}
		if ok {
			dst = append(dst, r)
		}
	}
	if specs == 0 {
		return dst, ErrInvalid
	}
	return dst, nil
}

// cutComma splits s at its first comma.
func cutComma(s []byte) (elem, rest []byte) {
	i := bytes.IndexByte(s, ',')
	if i < 0 {
		return s, nil
	}
	return s[:i], s[i+1:]
}

// parseSpec parses one non-empty range-spec. ok is false when the spec is
// valid but not satisfiable for size.
func parseSpec(spec []byte, size int64) (r Range, ok bool, err error) {
	if spec[0] == '-' {
		return parseSuffix(spec[1:], size)
	}
	i := bytes.IndexByte(spec, '-')
	if i < 0 {
		return Range{}, false, ErrInvalid
	}
	first, okFirst := parseUint(spec[:i])
	last, okLast := int64(math.MaxInt64), true
	if i+1 < len(spec) {
		last, okLast = parseUint(spec[i+1:])
	}
	if !okFirst || !okLast || last < first {
		return Range{}, false, ErrInvalid
	}
	if first >= size {
		return Range{}, false, nil
	}
	return Range{Start: first, End: min(last, size-1)}, true, nil
}

// parseSuffix parses the suffix-length of a "-n" spec: the last n bytes.
func parseSuffix(digits []byte, size int64) (r Range, ok bool, err error) {
	n, okN := parseUint(digits)
	if !okN {
		return Range{}, false, ErrInvalid
	}
	if n == 0 || size == 0 {
		return Range{}, false, nil
	}
	return Range{Start: size - min(n, size), End: size - 1}, true, nil
}

// parseUint parses a non-empty run of ASCII digits that fits in an int64.
func parseUint(s []byte) (int64, bool) {
	if len(s) == 0 {
		return 0, false
	}
	var n int64
	for _, c := range s {
		d := int64(c) - '0'
		if d < 0 || d > 9 || n > (math.MaxInt64-d)/10 {
			return 0, false
		}
		n = n*10 + d
	}
	return n, true
}

// trimOWS trims optional whitespace (SP, HTAB) from both ends of s.
func trimOWS(s []byte) []byte {
	for len(s) > 0 && isOWS(s[0]) {
		s = s[1:]
	}
	for len(s) > 0 && isOWS(s[len(s)-1]) {
		s = s[:len(s)-1]
	}
	return s
}

func isOWS(c byte) bool { return c == ' ' || c == '\t' }
