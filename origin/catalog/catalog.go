package catalog

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/blevesearch/bleve/v2"

	"github.com/vodedge/vodedge/origin/kv"
)

// Config says where the search index lives.
type Config struct {
	// IndexDir is the bleve index directory (rebuilt at Open).
	IndexDir string
}

// Deps are the catalog's collaborators.
type Deps struct {
	Store  *kv.Bucket // required
	Logger *slog.Logger
	Now    func() time.Time
}

// Catalog is the title store with its search index. Safe for concurrent use.
type Catalog struct {
	store *kv.Bucket
	index bleve.Index
	log   *slog.Logger
	now   func() time.Time
	mu    sync.Mutex // serializes writers: held across the Pebble write and index update
}

// Open rebuilds the search index from the store and returns the catalog.
func Open(cfg Config, deps Deps) (*Catalog, error) {
	if deps.Store == nil || cfg.IndexDir == "" {
		return nil, fmt.Errorf("%w: Store and IndexDir are required", ErrInvalid)
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	c := &Catalog{store: deps.Store, log: deps.Logger, now: deps.Now}
	startAnalysis()
	if err := c.rebuild(cfg.IndexDir); err != nil {
		stopAnalysis()
		return nil, err
	}
	return c, nil
}

// rebuild replaces the index directory with a fresh index of every title.
func (c *Catalog) rebuild(dir string) error {
	start := time.Now()
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("catalog: remove old index: %w", err)
	}
	idx, err := bleve.New(dir, indexMapping())
	if err != nil {
		return fmt.Errorf("catalog: create index: %w", err)
	}
	batch, n := idx.NewBatch(), 0
	err = kv.ScanJSON(c.store, "", func(id string, t *Title) error {
		n++
		if err := batch.Index(id, document(t)); err != nil {
			return err
		}
		if batch.Size() >= 1000 {
			err := idx.Batch(batch)
			batch.Reset()
			return err
		}
		return nil
	})
	if err == nil {
		err = idx.Batch(batch)
	}
	if err != nil {
		idx.Close()
		return fmt.Errorf("catalog: rebuild index: %w", err)
	}
	c.index = idx
	c.log.Info("search index rebuilt", "titles", n, "elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}

// Close closes the index.
func (c *Catalog) Close() error {
	err := c.index.Close()
	stopAnalysis()
	return err
}

// Create stores a new title (ID set, metadata normalized).
func (c *Catalog) Create(t *Title) error {
	if err := t.Normalize(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	var old Title
	if err := c.store.Get(t.ID, &old); err == nil {
		return fmt.Errorf("%w: %s", ErrExists, t.ID)
	} else if !errors.Is(err, kv.ErrNotFound) {
		return err
	}
	now := c.now()
	t.Created, t.Updated = now, now
	return c.writeLocked(t)
}

func (c *Catalog) writeLocked(t *Title) error {
	if err := c.store.Put(t.ID, t); err != nil {
		return err
	}
	if err := c.index.Index(t.ID, document(t)); err != nil {
		// Pebble has it; the next Open's rebuild indexes it.
		c.log.Error("cannot index title; search misses it until restart", "title", t.ID, "err", err)
	}
	return nil
}

// Get returns a title.
func (c *Catalog) Get(id string) (*Title, error) {
	t := &Title{}
	if err := c.store.Get(id, t); err != nil {
		if errors.Is(err, kv.ErrNotFound) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, id)
		}
		return nil, err
	}
	return t, nil
}

// Update applies fn to the stored title and stores the result; fn's
// error aborts the update.
func (c *Catalog) Update(id string, fn func(*Title) error) (*Title, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, err := c.Get(id)
	if err != nil {
		return nil, err
	}
	if err := fn(t); err != nil {
		return nil, err
	}
	if err := t.Normalize(); err != nil {
		return nil, err
	}
	t.Updated = c.now()
	return t, c.writeLocked(t)
}

// Each calls fn for every title in ID order until fn returns an error.
func (c *Catalog) Each(fn func(*Title) error) error {
	return kv.ScanJSON(c.store, "", func(_ string, t *Title) error { return fn(t) })
}

// FileSize returns the size of a published file by key ("titles/…" or
// "/titles/…"), for popularity.
func (c *Catalog) FileSize(key string) (int64, bool) {
	id, ok := titleOf(key)
	if !ok {
		return 0, false
	}
	t, err := c.Get(id)
	if err != nil {
		return 0, false
	}
	f, ok := t.File(trimSlash(key))
	return f.Size, ok
}
