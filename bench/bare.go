package bench

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/valyala/fasthttp"
)

// barePeer is the name of the fasthttp-bare peer.
const barePeer = "fasthttp-bare"

// BareConfig is how the fasthttp-bare peer runs.
type BareConfig struct {
	// Binary is the vodedge program (`vodedge bench bare-server` is run).
	Binary string
	// Root is the corpus directory.
	Root string
	// WorkDir receives the server's output.
	WorkDir string
	// FromDisk serves with fasthttp.FS (files, sendfile, its open-file
	// cache) instead of from memory: the counterpart of a disk-tier run.
	FromDisk bool
	// StartTimeout bounds the wait for the server to answer. Default 10 s.
	StartTimeout time.Duration
}

// Bare is fasthttp doing nothing but serving the corpus: from a map of
// the files' bytes (SetBodyRaw, as the edge's RAM tier does) or, with
// FromDisk, with fasthttp's own static file server. It is no product: it
// measures the ceiling the library leaves the edge on this machine, so
// that a gap to nginx can be told apart from the edge's own costs. It
// has no target of its own.
type Bare struct {
	child
	cfg BareConfig
}

var _ ProcessLister = (*Bare)(nil)

// NewBare returns the peer; Start runs it.
func NewBare(cfg BareConfig) *Bare {
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = 10 * time.Second
	}
	return &Bare{cfg: cfg, child: child{name: barePeer, grace: 5 * time.Second, sigs: []syscall.Signal{syscall.SIGTERM}}}
}

// Name implements Peer.
func (b *Bare) Name() string { return barePeer }

// Start runs the server on a free loopback port until it answers.
func (b *Bare) Start(ctx context.Context) (string, error) {
	return b.start("http", []string{b.cfg.WorkDir}, func(port int) (*process, error) {
		addr := "127.0.0.1:" + strconv.Itoa(port)
		args := []string{"bench", "bare-server", "--root", b.cfg.Root, "--listen", addr}
		if b.cfg.FromDisk {
			args = append(args, "--from-disk")
		}
		p, err := b.run(b.cfg.WorkDir, filepath.Join(b.cfg.WorkDir, "bare.log"), b.cfg.Binary, args...)
		if err != nil {
			return nil, err
		}
		return p, awaitReady(ctx, p, "http://"+addr+"/", b.cfg.StartTimeout, anyStatus)
	})
}

// BareServerConfig is what `vodedge bench bare-server` serves.
type BareServerConfig struct {
	Root     string // the corpus
	Listen   string // host:port
	FromDisk bool   // fasthttp.FS instead of the files' bytes in memory
}

// ServeBare serves the corpus until ctx ends (the fasthttp-bare peer's
// process). From memory, each file's bytes are the body as they are
// (SetBodyRaw), with the content type the edge sends; a path not in the
// corpus is a 404.
func ServeBare(ctx context.Context, cfg BareServerConfig) error {
	var h fasthttp.RequestHandler
	if cfg.FromDisk {
		if _, err := os.Stat(cfg.Root); err != nil {
			return fmt.Errorf("bench: bare-server: %w", err)
		}
		cleanStop := make(chan struct{})
		defer close(cleanStop) // ends the FS's cache cleaner
		fsrv := &fasthttp.FS{Root: cfg.Root, AcceptByteRange: true, CacheDuration: time.Minute, CleanStop: cleanStop}
		h = fsrv.NewRequestHandler()
	} else {
		files, err := loadCorpus(cfg.Root)
		if err != nil {
			return err
		}
		h = func(ctx *fasthttp.RequestCtx) {
			b, ok := files[string(ctx.Path())]
			if !ok {
				ctx.SetStatusCode(fasthttp.StatusNotFound)
				return
			}
			ctx.SetContentType("video/iso.segment")
			ctx.Response.SetBodyRaw(b)
		}
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("bench: bare-server: %w", err)
	}
	srv := &fasthttp.Server{Handler: h, Name: barePeer}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
		return errors.Join(srv.Shutdown(), <-done)
	}
}

// loadCorpus reads every regular file under root, keyed by its URL path.
func loadCorpus(root string) (map[string][]byte, error) {
	files := map[string][]byte{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, path)
		if err != nil {
			return err
		}
		b, err := os.ReadFile(path)
		files["/"+filepath.ToSlash(rel)] = b
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("bench: bare-server: reading the corpus: %w", err)
	}
	return files, nil
}
