package store

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// File is a local file to publish: where it is, its key, and what it
// holds.
type File struct {
	Key    string `json:"key"`
	Path   string `json:"-"`
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

// Describe reads path once to fill in Size and SHA256.
func Describe(key, path string) (File, error) {
	if err := CheckKey(key); err != nil {
		return File{}, err
	}
	f, err := os.Open(path)
	if err != nil {
		return File{}, fmt.Errorf("store: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return File{}, fmt.Errorf("store: read %s: %w", path, err)
	}
	return File{Key: key, Path: path, Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}
