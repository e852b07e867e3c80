package store

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
)

// Local is a store in a directory. It is safe for concurrent use.
type Local struct {
	dir  string
	root *os.Root
}

// NewLocal opens (creating if needed) dir as a store.
func NewLocal(dir string) (*Local, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrConfig, err)
	}
	return &Local{dir: dir, root: root}, nil
}

// String names the store in logs.
func (l *Local) String() string { return "file://" + l.dir }

// Dir is the store's directory.
func (l *Local) Dir() string { return l.dir }

// Root is the store's directory handle, for serving its files.
func (l *Local) Root() *os.Root { return l.root }

// Close releases the directory.
func (l *Local) Close() error { return l.root.Close() }

// Put copies f into the store at f.Key (temporary name, fsync, rename),
// as hot.
func (l *Local) Put(ctx context.Context, f File) error {
	if err := CheckKey(f.Key); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	src, err := os.Open(f.Path)
	if err != nil {
		return fmt.Errorf("store: %w", err)
	}
	defer src.Close()
	return l.write(f.Key, src)
}

func (l *Local) write(key string, src io.Reader) error {
	if err := l.root.MkdirAll(path.Dir(key), 0o755); err != nil {
		return l.failed("mkdir", key, err)
	}
	tmp := path.Join(path.Dir(key), ".tmp-"+path.Base(key)+"-"+randomSuffix())
	dst, err := l.root.OpenFile(tmp, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
	if err != nil {
		return l.failed("create", key, err)
	}
	_, err = io.Copy(dst, src)
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = l.root.Rename(tmp, key)
	}
	if err != nil {
		l.root.Remove(tmp)
		return l.failed("write", key, err)
	}
	return nil
}

// SetClass moves the files of a title between the hot layout and the
// cold/ prefix. keys are the title's object keys (titles/{id}/…). A key
// already in place is skipped, so an interrupted move can be run again.
func (l *Local) SetClass(ctx context.Context, keys []string, to Class) error {
	for _, k := range keys {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := l.move(k, to); err != nil {
			return err
		}
	}
	return nil
}

func (l *Local) move(key string, to Class) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	from, dst := key, path.Join(ColdDir, key)
	if to == Hot {
		from, dst = dst, from
	}
	if _, err := l.root.Stat(dst); err == nil {
		return nil // already there
	}
	if err := l.root.MkdirAll(path.Dir(dst), 0o755); err != nil {
		return l.failed("mkdir", dst, err)
	}
	if err := l.root.Rename(from, dst); err != nil {
		return l.failed("move", key, err)
	}
	return nil
}

// Stat returns the size of a hot object.
func (l *Local) Stat(_ context.Context, key string) (int64, error) {
	if err := CheckKey(key); err != nil {
		return 0, err
	}
	fi, err := l.root.Stat(key)
	if err != nil {
		return 0, l.failed("stat", key, err)
	}
	return fi.Size(), nil
}

func (l *Local) failed(op, key string, err error) error {
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("store: %s %s: %w", op, key, ErrNotFound)
	}
	return fmt.Errorf("store: %s %s in %s: %w: %w", op, key, l.dir, ErrUnavailable, err)
}

func randomSuffix() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}
