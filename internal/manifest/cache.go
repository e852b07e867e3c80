package manifest

import (
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
)

// IndexCache keeps the file indexes a node has verified, by hash, in a
// directory, and fetches those it lacks. An index is verified against
// its name every time it is read, so a damaged copy is fetched again,
// never used.
type IndexCache struct {
	Dir string
	// Fetch returns the index named hash (gzip or plain), typically
	// GET /v1/indexes/{hash} at the controller; nil: only what is held.
	Fetch func(ctx context.Context, hash string) (io.ReadCloser, error)
}

// Get returns the files of the index named hash.
func (c *IndexCache) Get(ctx context.Context, hash string) ([]File, error) {
	if len(hash) != 64 || !isHex(hash) {
		return nil, fmt.Errorf("%w: index name %q", ErrIndex, hash)
	}
	if raw, err := os.ReadFile(c.path(hash)); err == nil {
		if data, err := gunzip(raw); err == nil {
			if files, err := VerifyIndex(data, hash); err == nil {
				return files, nil
			}
		}
	}
	if c.Fetch == nil {
		return nil, fmt.Errorf("%w: index %s is not held and there is no controller to fetch it from", ErrIndex, hash)
	}
	rc, err := c.Fetch(ctx, hash)
	if err != nil {
		return nil, fmt.Errorf("manifest: fetching index %s: %w", hash, err)
	}
	defer rc.Close()
	raw, err := io.ReadAll(io.LimitReader(rc, MaxIndexBytes+1))
	if err != nil {
		return nil, fmt.Errorf("manifest: fetching index %s: %w", hash, err)
	}
	data, err := gunzip(raw)
	if err != nil {
		return nil, fmt.Errorf("%w: index %s: %v", ErrIndex, hash, err)
	}
	files, err := VerifyIndex(data, hash)
	if err != nil {
		return nil, err
	}
	if !isGzip(raw) { // it came plain: keep it compressed
		raw = gzipBytes(data)
	}
	return files, c.write(hash, raw)
}

// Put stores an index given whole (uncompressed) after verifying it.
func (c *IndexCache) Put(hash string, data []byte) error {
	if _, err := VerifyIndex(data, hash); err != nil {
		return err
	}
	return c.write(hash, gzipBytes(data))
}

// Keep removes the held indexes keep rejects; it returns how many.
func (c *IndexCache) Keep(keep func(hash string) bool) (int, error) {
	shards, err := os.ReadDir(c.Dir)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, sh := range shards {
		if !sh.IsDir() {
			continue
		}
		ents, err := os.ReadDir(filepath.Join(c.Dir, sh.Name()))
		if err != nil {
			return n, err
		}
		for _, e := range ents {
			hash, ok := strings.CutSuffix(e.Name(), ".gz")
			if !ok || keep(hash) { // not an index (a write in progress), or kept
				continue
			}
			if os.Remove(filepath.Join(c.Dir, sh.Name(), e.Name())) == nil {
				n++
			}
		}
	}
	return n, nil
}

// path is where an index is kept: a directory per first two hex digits,
// so that no directory holds more than a few thousand files.
func (c *IndexCache) path(hash string) string { return filepath.Join(c.Dir, hash[:2], hash+".gz") }

func (c *IndexCache) write(hash string, gz []byte) error {
	dir := filepath.Dir(c.path(hash))
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "index-*.tmp")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(gz); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), c.path(hash))
}

// gunzip returns b uncompressed if it is gzip (at most MaxIndexBytes),
// else b.
func gunzip(b []byte) ([]byte, error) {
	if !isGzip(b) {
		return b, nil
	}
	zr, _ := gzipReaders.Get().(*gzip.Reader)
	var err error
	if zr == nil {
		zr, err = gzip.NewReader(bytes.NewReader(b))
	} else {
		err = zr.Reset(bytes.NewReader(b))
	}
	if err != nil {
		return nil, err
	}
	defer gzipReaders.Put(zr)
	out, err := io.ReadAll(io.LimitReader(zr, MaxIndexBytes+1))
	if err != nil {
		return nil, err
	}
	if len(out) > MaxIndexBytes {
		return nil, fmt.Errorf("index larger than %d bytes", MaxIndexBytes)
	}
	return out, nil
}

// GzipIndex returns an index compressed as it travels.
func GzipIndex(data []byte) []byte { return gzipBytes(data) }

// A gzip writer holds about 1 MB of state: making one per index would
// cost more than compressing it.
var gzipWriters = sync.Pool{New: func() any { return gzip.NewWriter(nil) }}

var gzipReaders sync.Pool // of *gzip.Reader

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	buf.Grow(len(b)/2 + 64)
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(&buf)
	zw.Write(b)
	zw.Close()
	gzipWriters.Put(zw)
	return buf.Bytes()
}

func isGzip(b []byte) bool { return len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b }

// OpenIndex verifies an index as it travels (gzip or plain) against its
// name and parses it.
func OpenIndex(b []byte, hash string) ([]File, error) {
	data, err := gunzip(b)
	if err != nil {
		return nil, fmt.Errorf("%w: index %s: %v", ErrIndex, hash, err)
	}
	return VerifyIndex(data, hash)
}
