package cache

import (
	"errors"
	"fmt"
	"time"
)

// Config is the edge node's serving configuration. Start from
// DefaultConfig and change what you need; New validates it.
type Config struct {
	// NodeName and Site identify the node in logs and headers.
	NodeName, Site string

	// RAMBytes is the RAM tier's capacity in bytes; 0 turns it off (the
	// disk tier, or the origin, serves everything).
	RAMBytes int64
	// SliceBytes is the unit of origin fetches and of RAM entries: objects
	// are fetched and cached as aligned slices of this size, so a range
	// deep inside a large object costs one slice, not the bytes before it.
	SliceBytes int64
	// NegativeTTL is how long an origin 404 is remembered.
	NegativeTTL time.Duration
	// MemfileMinBytes: RAM-tier slices at least this large keep their
	// bytes in a sealed memfd and are sent with sendfile; smaller ones
	// stay Go slices written with writev. 0 (the default) keeps
	// everything on the heap; see "Zero-copy RAM hits" in doc.go.
	MemfileMinBytes int64

	// ReadTimeout bounds reading one request's headers; IdleTimeout bounds
	// a keep-alive connection waiting for the next request.
	ReadTimeout, IdleTimeout time.Duration
	// WriteTimeout bounds writing a small response. A larger body gets
	// WriteTimeout plus its length at MinClientRate bytes/s, so a slow
	// client on a big segment is not cut off while a stalled one is.
	WriteTimeout  time.Duration
	MinClientRate int64
	// MaxHeaderBytes bounds a request's header block (431 beyond it).
	MaxHeaderBytes int
	// ShutdownTimeout bounds how long Shutdown waits for in-flight
	// responses before closing connections.
	ShutdownTimeout time.Duration
}

// DefaultConfig returns the configuration used when nothing is set: a
// 256 MiB RAM tier, 4 MiB slices (one slice holds a typical 4-second
// segment), 404s remembered for 10 s.
func DefaultConfig() Config {
	return Config{
		NodeName:        "edge-1",
		Site:            "default",
		RAMBytes:        256 << 20,
		SliceBytes:      4 << 20,
		NegativeTTL:     10 * time.Second,
		ReadTimeout:     10 * time.Second,
		IdleTimeout:     60 * time.Second,
		WriteTimeout:    30 * time.Second,
		MinClientRate:   64 << 10,
		MaxHeaderBytes:  8 << 10,
		ShutdownTimeout: 30 * time.Second,
	}
}

// Limits on the configuration, so that a typo fails at start-up rather
// than in production.
const (
	minSliceBytes = 64 << 10
	maxSliceBytes = 64 << 20
)

func (c *Config) validate() error {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("cache: "+format, a...)) }
	if c.RAMBytes != 0 && c.RAMBytes < 1<<20 {
		bad("RAM tier must be 0 (off) or at least 1 MiB, got %d bytes", c.RAMBytes)
	}
	if c.SliceBytes < minSliceBytes || c.SliceBytes > maxSliceBytes {
		bad("slice size must be within 64 KiB..64 MiB, got %d bytes", c.SliceBytes)
	}
	if c.RAMBytes > 0 && c.SliceBytes > c.RAMBytes/4 {
		bad("slice size %d is more than a quarter of the RAM tier (%d)", c.SliceBytes, c.RAMBytes)
	}
	if c.MemfileMinBytes < 0 {
		bad("memfile threshold must not be negative")
	}
	if c.NegativeTTL < 0 {
		bad("negative TTL must not be negative")
	}
	for name, d := range map[string]time.Duration{"read": c.ReadTimeout, "idle": c.IdleTimeout, "write": c.WriteTimeout, "shutdown": c.ShutdownTimeout} {
		if d <= 0 {
			bad("%s timeout must be positive, got %v", name, d)
		}
	}
	if c.MinClientRate <= 0 {
		bad("minimum client rate must be positive")
	}
	if c.MaxHeaderBytes < 1024 {
		bad("max header bytes must be at least 1024, got %d", c.MaxHeaderBytes)
	}
	if c.NodeName == "" {
		bad("node name must not be empty")
	}
	return errors.Join(errs...)
}
