package controller

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"sync"
	"time"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/kv"
	"github.com/vodedge/vodedge/origin/pipeline"
	"github.com/vodedge/vodedge/origin/popularity"
	"github.com/vodedge/vodedge/origin/probe"
	"github.com/vodedge/vodedge/origin/qc"
	"github.com/vodedge/vodedge/origin/store"
	"github.com/vodedge/vodedge/origin/transcode"
)

// Server is a running controller: its state is open and its pipeline
// runs from New until Shutdown; Serve answers HTTP.
type Server struct {
	cfg  Config
	deps Deps
	log  *slog.Logger
	now  func() time.Time
	m    *metrics

	db      *kv.DB
	reports *kv.Bucket // QC reports by title ID
	cat     *catalog.Catalog
	engine  *pipeline.Engine
	store   store.Store
	local   *store.Local // nil unless the store is a local directory
	enc     *transcode.Encoder
	prober  probe.Prober
	pop     *popularity.Store
	source  []qc.Scanner
	rend    []qc.Scanner
	man     manifests
	reg     *registry
	qp      queueParts // EngineNATS only (queue.go)

	subEdits sync.Mutex // serialises edits of published subtitles (subtitles_edit.go)

	http  *http.Server
	stop  chan struct{}
	wg    sync.WaitGroup // background loops
	close sync.Once
}

// New opens the state under cfg.DataDir, checks ffmpeg and the store, and
// starts the pipeline and the background loops. ctx bounds start-up only.
func New(ctx context.Context, cfg Config, deps Deps) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, deps: deps, log: deps.Logger, now: deps.Now, stop: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if err := s.open(ctx); err != nil {
		s.closeState()
		return nil, err
	}
	s.http = &http.Server{Handler: s.routes(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, MaxHeaderBytes: 64 << 10,
		ErrorLog: slog.NewLogLogger(s.log.Handler(), slog.LevelWarn)}
	s.wg.Add(2)
	go s.followJobs()
	go s.tieringLoop()
	return s, nil
}

// open builds every component in dependency order; closeState undoes
// whatever was built.
func (s *Server) open(ctx context.Context) error {
	var err error
	for _, dir := range []string{s.cfg.DataDir, s.uploadsDir()} {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("controller: %w", err)
		}
	}
	if s.m, err = newMetrics(s.deps.Registerer, s); err != nil {
		return err
	}
	if s.enc, err = transcode.NewEncoder(ctx, s.cfg.Transcode); err != nil {
		if !s.cfg.TranscodeOptional {
			return err
		}
		s.log.Warn("no usable ffmpeg: ingest is off, titles can only be imported pre-packaged", "err", err)
	}
	s.prober = probe.Prober{Path: s.cfg.FFprobe}
	s.source = append(s.contentScanners(), s.deps.SourceScanners...)
	s.rend = append([]qc.Scanner{qc.Decode{FFmpeg: s.cfg.Transcode.FFmpeg, Thresholds: s.cfg.QC}}, s.deps.RenditionScanners...)
	if s.store, err = store.Open(ctx, s.cfg.Store, s.cfg.S3); err != nil {
		return err
	}
	s.local, _ = s.store.(*store.Local)
	if s.db, err = kv.Open(s.dbDir(), kv.Options{Logger: s.log}); err != nil {
		return err
	}
	s.reports = s.db.Bucket("qc")
	if s.reg, err = newRegistry(s.cfg.Registry, s.cfg.Sites, s.db.Bucket("nodes"), s.now); err != nil {
		return err
	}
	if s.cat, err = catalog.Open(catalog.Config{IndexDir: s.indexDir()}, catalog.Deps{Store: s.db.Bucket("titles"), Logger: s.log, Now: s.now}); err != nil {
		return err
	}
	if s.pop, err = popularity.New(s.cfg.Popularity, popularity.Deps{Store: s.db.Bucket("pop"), Sizes: sizes{s.cat}, Logger: s.log, Registerer: s.deps.Registerer, Now: s.now}); err != nil {
		return err
	}
	return s.startEngine(ctx)
}

func (s *Server) startEngine(ctx context.Context) error {
	runner, err := s.openQueue(ctx)
	if err != nil {
		return err
	}
	s.engine, err = pipeline.New(s.cfg.Pipeline, pipeline.Deps{
		Store: s.db.Bucket("jobs"), Funcs: s.stepFuncs(), Runner: runner, Logger: s.log, Registerer: s.deps.Registerer, Now: s.now,
	})
	if err != nil {
		return err
	}
	return s.engine.Start()
}

// Serve answers HTTP on ln until Shutdown; it returns nil after Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Handler is the HTTP handler (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.http.Handler }

// Status reports whether the controller can take work, for /readyz.
func (s *Server) Status() (bool, string) {
	select {
	case <-s.stop:
		return false, "shutting down"
	default:
		return true, "ready; store " + s.store.String()
	}
}

func (s *Server) closing() bool {
	ok, _ := s.Status()
	return !ok
}

// Shutdown stops HTTP (waiting for requests until ctx ends), then the
// loops and the pipeline (running steps are interrupted and run again
// after the next start), then closes the state. Safe to call twice.
func (s *Server) Shutdown(ctx context.Context) error {
	var err error
	s.close.Do(func() {
		close(s.stop)
		if err = s.http.Shutdown(ctx); err != nil {
			// Requests (a long upload) outlived the deadline: cut them
			// off, and leave the state open under any still running.
			s.http.Close()
			s.log.Error("requests still running at the shutdown deadline; state left open", "err", err)
			return
		}
		s.wg.Wait()
		if e := s.engine.Close(ctx); e != nil {
			// Steps are still stopping and may write: leave the state
			// open (the process is exiting; Pebble recovers from its WAL).
			s.log.Error("pipeline did not stop in time; state left open", "err", e)
			err = errors.Join(err, e)
			return
		}
		s.closeState()
	})
	return err
}

func (s *Server) closeState() {
	s.closeQueue()
	if s.cat != nil {
		s.cat.Close()
	}
	if s.db != nil {
		s.db.Close()
	}
	if s.store != nil {
		s.store.Close()
	}
}
