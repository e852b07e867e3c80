package cachekey

// appendSegment appends the decoded segment seg, which holds no "/", to dst.
func appendSegment(dst, seg []byte) ([]byte, error) {
	for i := 0; i < len(seg); i++ {
		c := seg[i]
		if c == '%' {
			var err error
			if c, err = unescape(seg[i+1:]); err != nil {
				return dst, err
			}
			i += 2
		} else if err := checkRaw(c); err != nil {
			return dst, err
		}
		dst = append(dst, c)
	}
	return dst, nil
}

// checkRaw checks a byte written as itself in a segment. "#" and "?" never
// reach here: splitTarget rejects or cuts at them.
func checkRaw(c byte) error {
	switch {
	case c == '\\':
		return ErrBackslash
	case isControl(c):
		return ErrControl
	}
	return nil
}

// unescape decodes the two hex digits that start s, following a "%", and
// checks the byte they encode.
func unescape(s []byte) (byte, error) {
	if len(s) < 2 || unhex[s[0]] < 0 || unhex[s[1]] < 0 {
		return 0, ErrBadEscape
	}
	c := byte(unhex[s[0]])<<4 | byte(unhex[s[1]])
	switch {
	case c == '/':
		return 0, ErrEncodedSlash
	case c == '%' || c == '?' || c == '#':
		return 0, ErrEncodedDelim
	}
	return c, checkRaw(c)
}

func isControl(c byte) bool { return c < ' ' || c == 0x7f }

// unhex maps a hex digit to its value and any other byte to -1.
var unhex = func() (t [256]int8) {
	for i := range t {
		t[i] = -1
	}
	for i := range 10 {
		t['0'+i] = int8(i)
	}
	for i := range 6 {
		t['a'+i], t['A'+i] = int8(10+i), int8(10+i)
	}
	return t
}()
