package disktier

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Store is the disk tier: a set of disks, each an independent store,
// with every object placed on one of them. It is safe for concurrent
// use; the hit path takes no lock shared by the disks.
type Store struct {
	cfg    Config
	deps   Deps
	log    *slog.Logger
	tm     *tierMetrics
	spread atomic.Pointer[spread]

	mu struct {
		sync.Mutex
		slots  []*slot // every configured disk, in configuration order
		closed bool
	}
	// purges logs removals for the disks out of service (purgelog.go);
	// purges hold purgeMu shared while they apply, a disk joining holds
	// it to catch up on them and enter the spread.
	purges    purgeLog
	purgeMu   sync.RWMutex
	kicks     chan struct{} // a disk failed (see watch.go)
	stopWatch chan struct{}
	watched   chan struct{} // closed when the watcher is done
}

// slot is a configured disk and what became of it. Its fields are
// guarded by Store.mu.
type slot struct {
	name, path string
	cfg        Config // the tier's knobs for this disk: Dir, capacity, budgets
	d          *disk  // nil while out of service
	state      string // stateServing, stateFailed, stateOffline
	reason     string // why it is out of service
	since      time.Time
	mark       uint64 // out of service: the first purge it may have missed
	busy       bool   // being brought online (operate.go)
	// closed is closed once the disk that last left the slot is closed
	// (or given up on): its index must be let go before it reopens.
	closed chan struct{}
}

// leaveLocked takes d out of sl, which goes to state for reason, and
// returns the function that closes d. s.mu is held.
func (sl *slot) leaveLocked(d *disk, state, reason string) (closeIt func() error) {
	done := make(chan struct{})
	sl.d, sl.state, sl.reason, sl.since, sl.closed = nil, state, reason, time.Now(), done
	return func() error {
		defer close(done)
		return d.Close()
	}
}

// waitClosed waits until the disk that last left sl is closed.
func (sl *slot) waitClosed(closed <-chan struct{}) {
	if closed != nil {
		<-closed
	}
}

// Disk states, as the admin API and metrics name them.
const (
	stateServing = "serving"
	stateFailed  = "failed"
	stateOffline = "offline"
)

// Open opens every disk of cfg (at once, each on its own). A disk that
// cannot be opened is left out of service as failed, and the tier serves
// with the others; Open fails only when none opens.
func Open(cfg Config, deps Deps) (*Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	disks := cfg.DiskList()
	if len(disks) > 1 && (deps.FS != nil || deps.IndexFS != nil || deps.FreeBytes != nil) {
		return nil, errors.New("disktier: Deps.FS, IndexFS and FreeBytes are for one disk; use PerDisk")
	}
	s := &Store{cfg: cfg, deps: deps, log: deps.Logger, kicks: make(chan struct{}, 1), stopWatch: make(chan struct{}), watched: make(chan struct{})}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	tm, err := newTierMetrics(deps.Registerer, s)
	if err != nil {
		return nil, err
	}
	s.tm = tm
	names, _ := diskNames(disks) // checked by validate
	for i, d := range disks {
		s.mu.slots = append(s.mu.slots, &slot{name: names[i], path: absPath(d.Path), cfg: diskConfig(cfg, d, len(disks))})
	}
	if err := s.openAll(); err != nil {
		return nil, err
	}
	go s.watch()
	s.kick() // a disk may have failed while opening
	return s, nil
}

// diskConfig is the tier's configuration for one of n disks: its path
// and capacity, and its share of the memory budgets.
func diskConfig(cfg Config, d Disk, n int) Config {
	c := cfg
	c.Disks, c.Dir, c.CapacityBytes = nil, absPath(d.Path), d.CapacityBytes
	c.RecordCacheBytes /= int64(n)
	if c.OpenFiles > 0 {
		c.OpenFiles = max(1, c.OpenFiles/n)
	}
	return c
}

// openAll opens the configured disks in parallel and places objects over
// those that opened.
func (s *Store) openAll() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	errs := make([]error, len(s.mu.slots))
	var wg sync.WaitGroup
	for i, sl := range s.mu.slots {
		wg.Go(func() { errs[i] = s.openSlot(sl) })
	}
	wg.Wait()
	open := 0
	for i, sl := range s.mu.slots {
		if errs[i] != nil {
			s.log.Error("disk not in service: it did not open", "disk", sl.name, "path", sl.path, "err", errs[i])
			sl.state, sl.reason, sl.since = stateFailed, errs[i].Error(), time.Now()
			continue
		}
		open++
	}
	if open == 0 {
		return errors.Join(errs...)
	}
	s.relayoutLocked()
	return nil
}

// openSlot opens sl's disk and marks it serving. s.mu is held by the
// caller (or, in openAll, by the goroutine waiting for this one).
func (s *Store) openSlot(sl *slot) error {
	d, err := s.openDisk(sl)
	if err != nil {
		return err
	}
	sl.d, sl.state, sl.reason, sl.since = d, stateServing, "", time.Now()
	return nil
}

// openDisk opens sl's disk; it does not touch sl.
func (s *Store) openDisk(sl *slot) (*disk, error) {
	d, err := openDisk(sl.cfg, sl.name, diskDeps{DiskDeps: s.deps.forDisk(sl.path), log: s.log, m: s.tm.forDisk(sl.name), onFail: s.kick, purgeMark: s.purges.mark})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sl.path, err)
	}
	return d, nil
}

// relayoutLocked places objects over the disks in service. s.mu is held.
func (s *Store) relayoutLocked() {
	var in []*disk
	for _, sl := range s.mu.slots {
		if sl.d != nil {
			in = append(in, sl.d)
		}
	}
	s.spread.Store(newSpread(in))
}

// inService returns the disks in service, from the current spread.
func (s *Store) inService() []*disk { return s.spread.Load().disks }

// Close closes every disk in service. It is safe to call more than once.
func (s *Store) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.mu.closed {
		return nil
	}
	s.mu.closed = true
	close(s.stopWatch)
	s.mu.Unlock() // the watcher may be retiring a disk
	<-s.watched
	s.mu.Lock()
	s.spread.Store(newSpread(nil)) // from now on every lookup is a miss
	var errs []error
	for _, sl := range s.mu.slots {
		if sl.d != nil {
			if err := sl.d.Close(); err != nil {
				errs = append(errs, fmt.Errorf("disktier: closing %s: %w", sl.name, err))
			}
		}
	}
	return errors.Join(errs...)
}
