package manifest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// File is one file of a group's index: its name within the group's
// directory, its size and its checksum: the first SumDigits hex digits
// of the SHA-256 of its bytes (whole 64-digit sums, which indexes made
// before carried, are read too).
type File struct {
	Name   string
	Size   int64
	SHA256 string
}

// SumDigits is how many hex digits of a file's SHA-256 an index carries:
// 128 bits. What a lying peer or a corrupting disk must produce is a
// second preimage of a file it did not choose, which costs 2^128 work
// for 128 bits (2^103 against any of 30 million targets); the collision
// bound (2^64) matters only to whoever makes the original files, the
// content team, which signs nothing here anyway. The whole sum would
// cost 960 MB on the wire for a node holding 30 million files, half of
// it needed for nothing (doc.go, Choices).
const SumDigits = 32

// validSum reports whether s is a checksum an index or an entry may
// carry: SumDigits or 64 lower-case hex digits.
func validSum(s string) bool {
	return (len(s) == SumDigits || len(s) == 64) && isHex(s) && !strings.ContainsAny(s, "ABCDEF")
}

// SumMatches reports whether a file whose hex SHA-256 is full (64
// digits) has the checksum sum (validSum).
func SumMatches(full, sum string) bool {
	return len(full) == 64 && (len(sum) == 64 || len(sum) == SumDigits) && strings.EqualFold(full[:len(sum)], sum)
}

// Limits of an index.
const (
	MaxIndexFiles = 1 << 20
	MaxIndexBytes = 128 << 20 // uncompressed
	maxNameLen    = 255
)

// EncodeIndex returns the index of files, one line per file in the order
// given: "<checksum> <size> <name>\n".
func EncodeIndex(files []File) []byte {
	b := make([]byte, 0, len(files)*(64+12+24))
	for _, f := range files {
		b = append(b, f.SHA256...)
		b = append(b, ' ')
		b = strconv.AppendInt(b, f.Size, 10)
		b = append(b, ' ')
		b = append(b, f.Name...)
		b = append(b, '\n')
	}
	return b
}

// HashIndex returns an index's name: the hex SHA-256 of its bytes.
func HashIndex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// VerifyIndex checks that b is the index named want and parses it.
func VerifyIndex(b []byte, want string) ([]File, error) {
	if got := HashIndex(b); got != want {
		return nil, fmt.Errorf("%w: index %s hashes to %s", ErrIndex, want, got)
	}
	return ParseIndex(b)
}

// ParseIndex parses an index. Names are single path segments, sizes
// non-negative, checksums SumDigits or 64 lower-case hex digits; a name
// appears once.
func ParseIndex(b []byte) ([]File, error) {
	if len(b) > MaxIndexBytes {
		return nil, fmt.Errorf("%w: index of %d bytes, more than %d", ErrIndex, len(b), MaxIndexBytes)
	}
	if len(b) == 0 || b[len(b)-1] != '\n' {
		return nil, fmt.Errorf("%w: index must be non-empty lines", ErrIndex)
	}
	n := bytes.Count(b, []byte{'\n'})
	if n > MaxIndexFiles {
		return nil, fmt.Errorf("%w: index of %d files, more than %d", ErrIndex, n, MaxIndexFiles)
	}
	files := make([]File, 0, n)
	seen := make(map[string]bool, n)
	for i := 0; len(b) > 0; i++ {
		nl := bytes.IndexByte(b, '\n')
		f, err := parseIndexLine(b[:nl])
		if err != nil {
			return nil, fmt.Errorf("%w: index line %d: %v", ErrIndex, i+1, err)
		}
		if seen[f.Name] {
			return nil, fmt.Errorf("%w: index line %d: %q listed twice", ErrIndex, i+1, f.Name)
		}
		seen[f.Name] = true
		files = append(files, f)
		b = b[nl+1:]
	}
	return files, nil
}

func parseIndexLine(line []byte) (File, error) {
	sum, rest, ok := bytes.Cut(line, []byte{' '})
	size, name, ok2 := bytes.Cut(rest, []byte{' '})
	if !ok || !ok2 {
		return File{}, errors.New("want <checksum> <size> <name>")
	}
	if !validSum(string(sum)) {
		return File{}, errors.New("checksum must be 32 or 64 lower-case hex digits of the file's SHA-256")
	}
	n, err := strconv.ParseInt(string(size), 10, 64)
	if err != nil || n < 0 || strconv.FormatInt(n, 10) != string(size) {
		return File{}, errors.New("size must be a non-negative decimal")
	}
	if err := checkName(string(name)); err != nil {
		return File{}, err
	}
	return File{Name: string(name), Size: n, SHA256: string(sum)}, nil
}

// checkName accepts a file name that is one path segment.
func checkName(s string) error {
	if s == "" || len(s) > maxNameLen || s == "." || s == ".." || strings.ContainsAny(s, "/\\ \n\r\t\x00?#%") {
		return errors.New("name must be one plain path segment")
	}
	return nil
}
