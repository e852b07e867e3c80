package subtitle

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// lines splits data into lines (LF, CRLF or CR ends) after checking that
// it is UTF-8 without NUL bytes and dropping a byte-order mark.
func lines(data []byte) ([]string, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if err := checkEncoding(data); err != nil {
		return nil, err
	}
	s := strings.ReplaceAll(string(data), "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	out := strings.Split(s, "\n")
	for i, l := range out {
		if len(l) > maxLineLen {
			return nil, lineErr(i+1, "line longer than %d bytes", maxLineLen)
		}
	}
	return out, nil
}

// checkEncoding names the line of the first byte that is not UTF-8, or
// of a NUL.
func checkEncoding(data []byte) error {
	line := 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return lineErr(line, "not UTF-8 (byte 0x%02x at offset %d): save the file as UTF-8", data[i], i)
		case r == 0:
			return lineErr(line, "NUL byte at offset %d", i)
		case r == '\n' || r == '\r' && (i+1 == len(data) || data[i+1] != '\n'):
			line++
		}
		i += size
	}
	return nil
}

// blank reports whether a line separates blocks.
func blank(l string) bool { return strings.TrimSpace(l) == "" }
