package disktier

import (
	"errors"
	"time"

	"github.com/cockroachdb/pebble/v2"
)

// loadPage is how many index keys a loading step handles under the
// record lock, which deletes and pins wait for meanwhile.
const loadPage = 4096

// load fills the eviction table in the background after Open, reading
// index keys and the saved eviction state, never segment data. Lookups
// the table cannot answer go to the index until it is done.
//
//  1. An index written before the "h/" and "f/" keys existed gets them
//     (once: keysMarker records it).
//  2. The state saved at the last Close (or periodically) is restored
//     into the table, in its saved queue order (snapshot.go). From
//     then on the disk admits new objects (and evicts for them).
//  3. The table is reconciled with the index: every "h/" key is marked
//     (a slice the saved state missed is added; a restored entry takes
//     the index's size and pin), then entries no slice has are swept
//     out. Memory: one bit an entry, inside it. See reconcile for what
//     commits, deletes and pins do meanwhile.
func (s *disk) load() {
	start := time.Now()
	err := s.addEntryKeys()
	restored := 0
	if err == nil {
		restored = s.restoreState()
		err = s.reconcile(restored > 0)
	}
	if errors.Is(err, errStopped) {
		return
	}
	if err != nil {
		s.ioError(err)
		s.log.Error("loading the disk index failed; the disk admits nothing", "err", err)
		return
	}
	s.loaded.Store(true)
	s.admit.Store(true)
	st := s.table.Stats()
	s.log.Info("disk index loaded", "objects", st.Entries, "restored", restored, "bytes", st.Bytes(), "took", time.Since(start).Round(time.Millisecond))
}

var errStopped = errors.New("disktier: stopped")

func (s *disk) stopped() bool {
	select {
	case <-s.stop:
		return true
	default:
		return false
	}
}

// addEntryKeys gives every record its "h/" and "f/" keys unless the
// index already has them, and deletes the access statistics the index
// kept before. Access statistics found beside the marker mean a version
// from before ran on the index since (a rollback: it writes them at
// Close and every few minutes, and no entry keys): the keys are added
// again, or the sweep would take its slices' files for orphans.
func (s *disk) addEntryKeys() error {
	done, err := s.hasKey(keysMarker)
	if err == nil && done {
		var stats bool
		stats, err = s.hasPrefix(statsPrefix)
		done = !stats
	}
	if err != nil || done {
		return err
	}
	after := ""
	for {
		if s.stopped() {
			return errStopped
		}
		s.recMu.Lock()
		page, err := s.List("", after, loadPage)
		if err == nil && len(page) > 0 {
			err = s.ix.apply(func(db *pebble.DB) error { return setEntryKeys(db, page, s.hash) })
		}
		s.recMu.Unlock()
		if err != nil {
			return err
		}
		if len(page) == 0 {
			break
		}
		after = page[len(page)-1].Key
	}
	err = s.ix.apply(func(db *pebble.DB) error {
		b := db.NewBatch()
		defer b.Close()
		_ = b.DeleteRange(statsPrefix, prefixEnd(statsPrefix), nil)
		_ = b.Set(keysMarker, nil, nil)
		return b.Commit(pebble.NoSync)
	})
	if err != nil {
		return err
	}
	return s.syncIndex()
}

// setEntryKeys writes the "h/" and "f/" keys of records in one batch.
func setEntryKeys(db *pebble.DB, recs []*Record, hash func(string) uint64) error {
	b := db.NewBatch()
	defer b.Close()
	for _, r := range recs {
		_ = b.Set(hashKey(hash(r.Key), r.Key), hashVal(r), nil)
		_ = b.Set(fileKey(r.File), []byte(r.Key), nil)
	}
	return b.Commit(pebble.NoSync)
}

func (s *disk) hasPrefix(p []byte) (bool, error) {
	if !s.readLock() {
		return false, errClosed
	}
	defer s.dbMu.RUnlock()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: p, UpperBound: prefixEnd(p)})
	if err != nil {
		return false, err
	}
	found := it.First()
	return found, it.Close()
}

func (s *disk) hasKey(k []byte) (bool, error) {
	if !s.readLock() {
		return false, errClosed
	}
	defer s.dbMu.RUnlock()
	_, closer, err := s.db.Get(k)
	if errors.Is(err, pebble.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return true, closer.Close()
}

// reconcile makes the table hold exactly the index's slices: step 3 of
// load. With a saved state restored (early), the disk admits objects
// from the start: hashes are marked in order, a page at a time, and
// until a commit's hash is marked (reconciledLocked) the commit leaves
// the table alone (the mark adds it) and counts its bytes as pending;
// deletes and pins apply to the table as always (a mark resets what
// they changed of an entry not yet marked). Without saved state the
// table knows nothing of what the disk holds: nothing is admitted
// until the end.
func (s *disk) reconcile(early bool) error {
	s.recMu.Lock()
	s.table.BeginSweep()
	s.recon.active, s.recon.any = true, false
	s.recMu.Unlock()
	s.admit.Store(early)
	lo := append([]byte(nil), hashPrefix...)
	for lo != nil {
		if s.stopped() {
			return errStopped
		}
		if s.cfg.test.beforePage != nil {
			s.cfg.test.beforePage()
		}
		var err error
		s.recMu.Lock()
		lo, err = s.markPage(lo)
		if lo == nil || err != nil {
			s.recon.active = false
		}
		s.recMu.Unlock()
		if err != nil {
			s.admit.Store(false)
			return err
		}
	}
	for from := 0; from >= 0; {
		from, _ = s.table.Sweep(from, loadPage)
	}
	s.space.Lock()
	s.space.pending = 0 // marked by now, all of it
	s.space.Unlock()
	return nil
}

// reconciledLocked reports whether h's entry is the index's: no
// reconciliation is running or it marked h. s.recMu must be held.
func (s *disk) reconciledLocked(h uint64) bool {
	return !s.recon.active || (s.recon.any && h <= s.recon.upTo)
}

// markPage marks the slices of a page of "h/" keys from lo on (loadPage
// keys, then to the end of the last one's hash, so a hash is marked
// whole) and returns where the next page starts (nil at the end).
// s.recMu must be held.
func (s *disk) markPage(lo []byte) ([]byte, error) {
	if !s.readLock() {
		return nil, errClosed
	}
	defer s.dbMu.RUnlock()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(hashPrefix)})
	if err != nil {
		return nil, err
	}
	page := loadPage
	if s.cfg.test.pageKeys > 0 {
		page = s.cfg.test.pageKeys
	}
	n := 0
	for it.First(); it.Valid(); it.Next() {
		h, size, pinned, ok := parseHashEntry(it.Key(), it.Value())
		if !ok {
			continue
		}
		if n >= page && h != s.recon.upTo {
			next := append([]byte(nil), it.Key()...)
			return next, it.Close()
		}
		s.table.Mark(h, size, pinned)
		s.recon.upTo, s.recon.any = h, true
		n++
	}
	return nil, it.Close()
}
