package store

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
)

// Store is what Open returns: the operations the controller uses.
// Callers declare the subset they need.
type Store interface {
	Put(ctx context.Context, f File) error
	SetClass(ctx context.Context, keys []string, to Class) error
	Stat(ctx context.Context, key string) (int64, error)
	Close() error
	String() string
}

var (
	_ Store = (*Local)(nil)
	_ Store = (*S3)(nil)
)

// Open returns the store for a spec: file:///absolute/dir or
// s3://bucket[/prefix] (with s3's endpoint, region and classes from cfg;
// its Bucket and Prefix are taken from the spec).
func Open(ctx context.Context, spec string, cfg S3Config) (Store, error) {
	u, err := url.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("%w: store %q: %v", ErrConfig, spec, err)
	}
	switch {
	case u.Scheme == "file" && (u.Host == "" || u.Host == "localhost") && filepath.IsAbs(u.Path) && u.RawQuery == "":
		return NewLocal(filepath.Clean(u.Path))
	case u.Scheme == "s3" && u.Host != "" && u.User == nil && u.RawQuery == "":
		cfg.Bucket, cfg.Prefix = u.Host, u.Path
		return NewS3(ctx, cfg)
	}
	return nil, fmt.Errorf("%w: store %q: want file:///absolute/dir or s3://bucket[/prefix]", ErrConfig, u.Redacted())
}
