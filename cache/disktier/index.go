package disktier

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/cockroachdb/pebble/v2"

	"github.com/vodedge/vodedge/cache/evict"
)

// Index key spaces. Records live under "o/" + slice key; access
// statistics, rewritten often, live apart under "a/" + slice key so that
// saving them never rewrites a record.
var (
	recPrefix   = []byte("o/")
	statsPrefix = []byte("a/")
)

func recKey(key string) []byte   { return append(append([]byte(nil), recPrefix...), key...) }
func statsKey(key string) []byte { return append(append([]byte(nil), statsPrefix...), key...) }

// prefixEnd returns the smallest key greater than every key with prefix p.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	for i := len(end) - 1; i >= 0; i-- {
		if end[i] < 0xff {
			end[i]++
			return end[:i+1]
		}
	}
	return nil
}

// scan calls fn for every record whose slice key starts with prefix, in
// key order, until fn returns false. Undecodable records are deleted.
// fn must not read the index itself (see readLock).
func (s *disk) scan(prefix string, fn func(*Record) bool) error {
	if !s.readLock() {
		return errClosed
	}
	defer s.dbMu.RUnlock()
	lo := recKey(prefix)
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return err
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		key := string(it.Key()[len(recPrefix):])
		r, err := decodeRecord(key, it.Value())
		if err != nil {
			s.log.Warn("dropping corrupt index record", "key", key, "err", err)
			s.dropIndex(key, reasonCorrupt)
			continue
		}
		r.d = s
		if !fn(r) {
			break
		}
	}
	return it.Error()
}

// load fills the eviction table and the space accounting from the index.
// It reads index records only, never segment data.
func (s *disk) load() {
	start := time.Now()
	stats := s.loadStats()
	var n, used int64
	err := s.scan("", func(r *Record) bool {
		s.table.Restore(r.Key, blocks(r.Length), r.Pinned, stats[r.Key])
		n++
		used += blocks(r.Length)
		select {
		case <-s.stop:
			return false
		default:
			return true
		}
	})
	s.space.Lock()
	s.space.used += used
	s.space.objects += n
	s.space.Unlock()
	if err != nil {
		s.ioError(err)
		s.log.Error("loading the disk index failed; the disk admits nothing", "err", err)
		return
	}
	s.loaded.Store(true)
	s.log.Info("disk index loaded", "objects", n, "bytes", used, "took", time.Since(start).Round(time.Millisecond))
}

// statsLen is the encoded size of saved access statistics: hits, the
// logical clock and the wall clock of the last access.
const statsLen = 4 + 8 + 8

func (s *disk) loadStats() map[string]evict.Stat {
	out := map[string]evict.Stat{}
	if !s.readLock() {
		return out
	}
	defer s.dbMu.RUnlock()
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: statsPrefix, UpperBound: prefixEnd(statsPrefix)})
	if err != nil {
		return out
	}
	defer it.Close()
	for it.First(); it.Valid(); it.Next() {
		if v := it.Value(); len(v) == statsLen {
			out[string(it.Key()[len(statsPrefix):])] = evict.Stat{
				Hits: binary.LittleEndian.Uint32(v),
				Last: int64(binary.LittleEndian.Uint64(v[4:])),
			}
			if at := int64(binary.LittleEndian.Uint64(v[12:])); at != 0 {
				st := out[string(it.Key()[len(statsPrefix):])]
				st.At = time.Unix(0, at)
				out[string(it.Key()[len(statsPrefix):])] = st
			}
		}
	}
	return out
}

// saveStats writes every entry's access statistics in one batch, so a
// restarted node keeps its eviction order.
func (s *disk) saveStats() {
	err := s.ix.apply(func(db *pebble.DB) error {
		b := db.NewBatch()
		defer b.Close()
		var v [statsLen]byte
		s.table.Each(func(key string, st evict.Stat) {
			binary.LittleEndian.PutUint32(v[:], st.Hits)
			binary.LittleEndian.PutUint64(v[4:], uint64(st.Last))
			at := int64(0)
			if !st.At.IsZero() {
				at = st.At.UnixNano()
			}
			binary.LittleEndian.PutUint64(v[12:], uint64(at))
			_ = b.Set(statsKey(key), v[:], nil)
		})
		return b.Commit(pebble.NoSync)
	})
	if err != nil {
		s.log.Warn("saving access statistics failed", "err", err)
		s.ioError(err)
	}
}

// sweep reconciles data files with the index after start-up: a file no
// record names (left by a crash between rename and index commit) is
// removed. It reads directory entries, never segment data. The walk comes
// first and the index scan second: a file found by the walk that is not
// being committed at that moment was either committed before the scan
// (the scan sees it) or is an orphan. A record whose file is gone is
// found when read (Open) and dropped then.
func (s *disk) sweep() {
	if !s.loaded.Load() {
		return
	}
	var candidates []string
	err := s.fs.WalkData(func(rel string) error {
		select {
		case <-s.stop:
			return errStopped
		default:
		}
		if _, busy := s.committing.Load(rel); !busy {
			candidates = append(candidates, rel)
		}
		return nil
	})
	if err != nil {
		if err != errStopped {
			s.log.Warn("sweeping orphan data files failed", "err", err)
		}
		return
	}
	named := make(map[string]bool, len(candidates))
	if err := s.scan("", func(r *Record) bool { named[r.File] = true; return true }); err != nil {
		return
	}
	removed := 0
	for _, rel := range candidates {
		if !named[rel] && s.fs.Remove(rel) == nil {
			removed++
		}
	}
	if removed > 0 {
		s.log.Info("removed orphan data files", "count", removed)
		s.m.orphans.Add(float64(removed))
	}
}

var errStopped = errors.New("disktier: stopped")
