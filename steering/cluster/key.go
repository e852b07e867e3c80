package cluster

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
)

// LoadKey reads a cluster key file: the key in standard base64 (16, 24 or
// 32 bytes once decoded), surrounding white space ignored. Generate one
// with: head -c 32 /dev/urandom | base64
func LoadKey(path string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("cluster key: %w", err)
	}
	return ParseKey(b)
}

// ParseKey decodes the contents of a cluster key file.
func ParseKey(b []byte) ([]byte, error) {
	b = bytes.TrimSpace(b)
	key := make([]byte, base64.StdEncoding.DecodedLen(len(b)))
	n, err := base64.StdEncoding.Decode(key, b)
	if err != nil {
		return nil, fmt.Errorf("cluster key: not base64: %w (generate one with: head -c 32 /dev/urandom | base64)", err)
	}
	if base64.StdEncoding.EncodeToString(key[:n]) != string(b) {
		// Line breaks inside, or non-zero bits in the last character's
		// padding: every node must read the key file the same way.
		return nil, errors.New("cluster key: not one line of canonical base64 (generate one with: head -c 32 /dev/urandom | base64)")
	}
	if !validKeyLen(n) {
		return nil, fmt.Errorf("cluster key: %d bytes once decoded, want 16, 24 or 32 (generate one with: head -c 32 /dev/urandom | base64)", n)
	}
	return key[:n], nil
}
