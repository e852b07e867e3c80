package kv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
)

// ErrNotFound is returned by Get for a missing key.
var ErrNotFound = errors.New("kv: not found")

// Options configures Open.
type Options struct {
	// FS is the file system; nil means the real one. Tests pass
	// vfs.NewMem().
	FS vfs.FS
	// Logger receives Pebble's own messages; nil discards them.
	Logger *slog.Logger
}

// DB is an open database. It is safe for concurrent use.
type DB struct {
	db *pebble.DB
}

// Open opens (creating if needed) the database in dir.
func Open(dir string, o Options) (*DB, error) {
	opts := &pebble.Options{FS: o.FS, Logger: pebbleLogger{o.Logger}}
	db, err := pebble.Open(dir, opts)
	if err != nil {
		return nil, fmt.Errorf("kv: open %s: %w", dir, err)
	}
	return &DB{db: db}, nil
}

// Close flushes and closes the database.
func (d *DB) Close() error { return d.db.Close() }

// Metrics returns Pebble's metrics (for a scrape-time collector).
func (d *DB) Metrics() *pebble.Metrics { return d.db.Metrics() }

// Bucket returns the namespace of keys starting with name + "/".
func (d *DB) Bucket(name string) *Bucket {
	return &Bucket{db: d.db, prefix: []byte(name + "/")}
}

// Bucket is a key namespace. Keys are strings; values are JSON.
type Bucket struct {
	db     *pebble.DB
	prefix []byte
}

func (b *Bucket) key(k string) []byte {
	return append(append(make([]byte, 0, len(b.prefix)+len(k)), b.prefix...), k...)
}

// Get decodes the value of key into v.
func (b *Bucket) Get(key string, v any) error {
	val, closer, err := b.db.Get(b.key(key))
	if errors.Is(err, pebble.ErrNotFound) {
		return fmt.Errorf("%w: %s%s", ErrNotFound, b.prefix, key)
	}
	if err != nil {
		return fmt.Errorf("kv: get %s%s: %w", b.prefix, key, err)
	}
	defer closer.Close()
	if err := json.Unmarshal(val, v); err != nil {
		return fmt.Errorf("kv: decode %s%s: %w", b.prefix, key, err)
	}
	return nil
}

// Put stores v (as JSON) at key, synced.
func (b *Bucket) Put(key string, v any) error {
	val, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("kv: encode %s%s: %w", b.prefix, key, err)
	}
	if err := b.db.Set(b.key(key), val, pebble.Sync); err != nil {
		return fmt.Errorf("kv: put %s%s: %w", b.prefix, key, err)
	}
	return nil
}

// Delete removes key, synced. Deleting a missing key is not an error.
func (b *Bucket) Delete(key string) error {
	if err := b.db.Delete(b.key(key), pebble.Sync); err != nil {
		return fmt.Errorf("kv: delete %s%s: %w", b.prefix, key, err)
	}
	return nil
}

// Scan calls fn for each key at or after from (within the bucket) in key
// order, with the raw JSON value, valid only during the call. It stops
// at the first error fn returns, or when fn returns ErrStop.
func (b *Bucket) Scan(from string, fn func(key string, val []byte) error) error {
	upper := append(bytes.Clone(b.prefix[:len(b.prefix)-1]), b.prefix[len(b.prefix)-1]+1)
	it, err := b.db.NewIter(&pebble.IterOptions{LowerBound: b.key(from), UpperBound: upper})
	if err != nil {
		return fmt.Errorf("kv: scan %s: %w", b.prefix, err)
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		val, err := it.ValueAndErr()
		if err == nil {
			err = fn(string(it.Key()[len(b.prefix):]), val)
		}
		if errors.Is(err, ErrStop) {
			return nil
		}
		if err != nil {
			return err
		}
	}
	return it.Error()
}

// ErrStop ends a Scan early without an error.
var ErrStop = errors.New("kv: stop scan")

// ScanJSON is Scan decoding each value into a new T.
func ScanJSON[T any](b *Bucket, from string, fn func(key string, v *T) error) error {
	return b.Scan(from, func(key string, val []byte) error {
		v := new(T)
		if err := json.Unmarshal(val, v); err != nil {
			return fmt.Errorf("kv: decode %s%s: %w", b.prefix, key, err)
		}
		return fn(key, v)
	})
}

// Batch groups writes across buckets into one atomic, synced commit.
type Batch struct {
	b   *pebble.Batch
	err error
}

// NewBatch starts a batch; Commit it.
func (d *DB) NewBatch() *Batch { return &Batch{b: d.db.NewBatch()} }

// NewBatch starts a batch on the bucket's database (it may write to
// other buckets too).
func (b *Bucket) NewBatch() *Batch { return &Batch{b: b.db.NewBatch()} }

// Put adds a write of v at key in bucket.
func (t *Batch) Put(bucket *Bucket, key string, v any) {
	val, err := json.Marshal(v)
	if err != nil {
		t.err = errors.Join(t.err, fmt.Errorf("kv: encode %s%s: %w", bucket.prefix, key, err))
		return
	}
	t.err = errors.Join(t.err, t.b.Set(bucket.key(key), val, nil))
}

// Delete adds a delete of key in bucket.
func (t *Batch) Delete(bucket *Bucket, key string) {
	t.err = errors.Join(t.err, t.b.Delete(bucket.key(key), nil))
}

// Commit applies the batch atomically and syncs it, then releases it.
func (t *Batch) Commit() error {
	defer t.b.Close()
	if t.err != nil {
		return t.err
	}
	if err := t.b.Commit(pebble.Sync); err != nil {
		return fmt.Errorf("kv: commit: %w", err)
	}
	return nil
}

// pebbleLogger sends Pebble's messages to slog at debug (info) and error
// level. Fatalf is Pebble detecting corruption: it logs and panics, as
// Pebble's default logger does (continuing would serve corrupt state).
type pebbleLogger struct{ log *slog.Logger }

func (l pebbleLogger) Infof(format string, args ...any) {
	if l.log != nil {
		l.log.Debug("pebble: " + fmt.Sprintf(format, args...))
	}
}

func (l pebbleLogger) Errorf(format string, args ...any) {
	if l.log != nil {
		l.log.Error("pebble: " + fmt.Sprintf(format, args...))
	}
}

func (l pebbleLogger) Fatalf(format string, args ...any) {
	l.Errorf(format, args...)
	panic(fmt.Sprintf("pebble: "+format, args...))
}
