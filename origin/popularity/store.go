package popularity

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/origin/kv"
)

// Sizes tells sizes of published things; the catalog implements it.
type Sizes interface {
	// FileSize of a published object by path ("/titles/…").
	FileSize(path string) (int64, bool)
	// PlaybackSize of a title: the bytes of one average playback.
	PlaybackSize(titleID string) (int64, bool)
}

// Config tunes the smoothing and the limits.
type Config struct {
	// Alpha is the EWMA weight of each new day (0 < α ≤ 1); default 0.3,
	// a half-life of about two days.
	Alpha float64
	// Window is how many days the average looks back; default 30.
	Window int
	// MaxLine bounds one log line; longer lines are skipped. Default 16 KiB.
	MaxLine int
	// PriorDays is how many days of its own evidence a new release needs
	// before its prior stops counting (PriorWeight). Default 3.
	PriorDays int
}

// DefaultConfig is α 0.3 over 30 days.
func DefaultConfig() Config { return Config{Alpha: 0.3, Window: 30, MaxLine: 16 << 10, PriorDays: 3} }

// Deps are the store's collaborators.
type Deps struct {
	Store      *kv.Bucket // required
	Sizes      Sizes      // required for scores
	Logger     *slog.Logger
	Registerer prometheus.Registerer
	Now        func() time.Time
}

// Store aggregates and scores. Safe for concurrent use.
type Store struct {
	cfg  Config
	deps Deps
	m    *metrics
	mu   sync.Mutex // serializes Ingest's read-modify-write of daily totals
}

// ErrConfig wraps a bad configuration.
var ErrConfig = errors.New("popularity: bad configuration")

// New validates cfg and returns a store.
func New(cfg Config, deps Deps) (*Store, error) {
	d := DefaultConfig()
	if cfg.Alpha == 0 {
		cfg.Alpha = d.Alpha
	}
	if cfg.Window == 0 {
		cfg.Window = d.Window
	}
	if cfg.MaxLine == 0 {
		cfg.MaxLine = d.MaxLine
	}
	if cfg.PriorDays == 0 {
		cfg.PriorDays = d.PriorDays
	}
	if cfg.PriorDays < 0 || cfg.Alpha <= 0 || cfg.Alpha > 1 || cfg.Window < 1 || cfg.Window > 366 || deps.Store == nil {
		return nil, fmt.Errorf("%w: %+v", ErrConfig, cfg)
	}
	if deps.Now == nil {
		deps.Now = time.Now
	}
	if deps.Logger == nil {
		deps.Logger = slog.New(slog.DiscardHandler)
	}
	m, err := newMetrics(deps.Registerer)
	if err != nil {
		return nil, err
	}
	return &Store{cfg: cfg, deps: deps, m: m}, nil
}

// Stats describes one ingested batch.
type Stats struct {
	Lines     int   `json:"lines"`
	Counted   int   `json:"counted"`
	Skipped   int   `json:"skipped"`
	Malformed int   `json:"malformed"`
	Bytes     int64 `json:"bytes"`
	// FirstError is the first malformed line's problem, to help whoever
	// ships the logs.
	FirstError string `json:"first_error,omitempty"`
}

// ErrReadBatch wraps an error reading a batch (the sender's body).
var ErrReadBatch = errors.New("popularity: read batch")

type dayKey struct{ day, site, name string }

// Ingest reads JSON lines from r and adds the counted traffic to the
// daily totals. Malformed lines are counted and skipped; the error is
// r's (or the store's).
func (s *Store) Ingest(r io.Reader) (Stats, error) {
	st, files, err := s.tally(r)
	if err != nil {
		return st, err
	}
	s.m.observe(st)
	return st, s.merge(files)
}

// tally reads a batch of JSON lines (each through ParseLine) into
// per-file daily totals.
func (s *Store) tally(r io.Reader) (Stats, map[dayKey]int64, error) {
	files := map[dayKey]int64{}
	var st Stats
	horizon := s.deps.Now().Add(24 * time.Hour)
	err := readLines(r, s.cfg.MaxLine, func(line []byte) {
		st.Lines++
		rec, err := ParseLine(line)
		switch {
		case err != nil:
			st.Malformed++
			if st.FirstError == "" {
				st.FirstError = fmt.Sprintf("line %d: %v", st.Lines, err)
			}
		case !rec.counts() || rec.Time.After(horizon):
			st.Skipped++
		default:
			st.Counted++
			st.Bytes += rec.Bytes
			files[dayKey{day(rec.Time), rec.Site, rec.Path}] += rec.Bytes
		}
	})
	if err != nil {
		s.m.observe(st)
		return st, nil, fmt.Errorf("%w: %w", ErrReadBatch, err)
	}
	return st, files, nil
}

// readLines calls fn for each non-empty line; lines longer than max are
// skipped whole (counted by fn as malformed via a truncated copy).
func readLines(r io.Reader, max int, fn func([]byte)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	for {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) || len(line) > max {
			fn([]byte("overlong line"))
			if err = skipLine(br, err); err != nil {
				return ignoreEOF(err)
			}
			continue
		}
		if l := strings.TrimSpace(string(line)); l != "" {
			fn([]byte(l))
		}
		if err != nil {
			return ignoreEOF(err)
		}
	}
}

func skipLine(br *bufio.Reader, err error) error {
	for errors.Is(err, bufio.ErrBufferFull) {
		_, err = br.ReadSlice('\n')
	}
	return err
}

func ignoreEOF(err error) error {
	if err == io.EOF {
		return nil
	}
	return err
}

// merge adds the batch to the stored totals in one synced batch.
func (s *Store) merge(files map[dayKey]int64) error {
	if len(files) == 0 {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.mergeLocked(files, nil)
}

// mergeLocked adds files to the stored totals, with extra writes in the
// same synced batch.
func (s *Store) mergeLocked(files map[dayKey]int64, extra func(*kv.Batch)) error {
	titles := map[dayKey]int64{}
	for k, n := range files {
		if id, ok := titleOf(k.name); ok {
			titles[dayKey{k.day, k.site, id}] += n
		}
	}
	b := s.deps.Store
	batch := kvBatch{b: b}
	if extra != nil {
		batch.writes = append(batch.writes, extra)
	}
	for k, n := range files {
		batch.add("f/"+k.day+"/"+k.site+"/"+k.name, n)
	}
	for k, n := range titles {
		batch.add("t/"+k.day+"/"+k.site+"/"+k.name, n)
	}
	return batch.commit()
}

// kvBatch reads current totals and writes the sums.
type kvBatch struct {
	b      *kv.Bucket
	writes []func(*kv.Batch)
	err    error
}

func (k *kvBatch) add(key string, n int64) {
	var cur int64
	if err := k.b.Get(key, &cur); err != nil && !errors.Is(err, kv.ErrNotFound) {
		k.err = errors.Join(k.err, err)
		return
	}
	sum := cur + n
	k.writes = append(k.writes, func(b *kv.Batch) { b.Put(k.b, key, sum) })
}

func (k *kvBatch) commit() error {
	if k.err != nil {
		return k.err
	}
	batch := k.b.NewBatch()
	for _, w := range k.writes {
		w(batch)
	}
	return batch.Commit()
}

func day(t time.Time) string { return t.UTC().Format(time.DateOnly) }

// titleOf extracts the title ID from "/titles/{id}/…".
func titleOf(path string) (string, bool) {
	rest, ok := strings.CutPrefix(path, "/titles/")
	if !ok {
		return "", false
	}
	id, _, ok := strings.Cut(rest, "/")
	return id, ok && id != ""
}
