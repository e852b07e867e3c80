package disktier

import (
	"errors"
	"path"

	"github.com/cockroachdb/pebble/v2"
)

// sweep removes, after start-up, the data files no record names (left
// by a crash between rename and index commit). It reads directory
// entries and index keys, never segment data, and holds one data
// directory's names at a time (a few hundred at 20 million slices over
// 65,536 directories): WalkData lists a directory's files together, and
// each directory is checked against the "f/" keys under its name.
//
// A directory is listed first and its keys read second: a file listed
// that is not being committed at that moment was either committed
// before the keys were read (they name it) or is an orphan. A record
// whose file is gone is found when read (Open) and dropped then.
func (s *disk) sweep() {
	if !s.loaded.Load() {
		return
	}
	var dir string
	var files []string
	removed := 0
	check := func() error {
		n, err := s.removeOrphans(dir, files)
		removed += n
		files = files[:0]
		return err
	}
	err := s.fs.WalkData(func(rel string) error {
		if s.stopped() {
			return errStopped
		}
		if d := path.Dir(rel); d != dir {
			if err := check(); err != nil {
				return err
			}
			dir = d
		}
		if _, busy := s.committing.Load(rel); !busy {
			files = append(files, rel)
		}
		return nil
	})
	if err == nil {
		err = check()
	}
	if err != nil && !errors.Is(err, errStopped) {
		s.log.Warn("sweeping orphan data files failed", "err", err)
	}
	if removed > 0 {
		s.log.Info("removed orphan data files", "count", removed)
		s.m.orphans.Add(float64(removed))
	}
}

// removeOrphans removes those of files, all in dir, that no "f/" key
// names, and returns how many it removed.
func (s *disk) removeOrphans(dir string, files []string) (int, error) {
	if len(files) == 0 {
		return 0, nil
	}
	named, err := s.filesIn(dir, files)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, rel := range files {
		if !named[rel] && s.fs.Remove(rel) == nil {
			n++
		}
	}
	return n, nil
}

// filesIn returns which data files in dir the index names: those under
// "f/" + dir + "/", or for files at the top (never a data file's
// place) each looked up alone.
func (s *disk) filesIn(dir string, files []string) (map[string]bool, error) {
	named := make(map[string]bool, len(files))
	if dir == "." {
		for _, rel := range files {
			ok, err := s.hasKey(fileKey(rel))
			if err != nil {
				return nil, err
			}
			named[rel] = ok
		}
		return named, nil
	}
	if !s.readLock() {
		return nil, errClosed
	}
	defer s.dbMu.RUnlock()
	lo := fileKey(dir + "/")
	it, err := s.db.NewIter(&pebble.IterOptions{LowerBound: lo, UpperBound: prefixEnd(lo)})
	if err != nil {
		return nil, err
	}
	for it.First(); it.Valid(); it.Next() {
		if rel := string(it.Key()[len(filePrefix):]); path.Dir(rel) == dir {
			named[rel] = true
		}
	}
	return named, it.Close()
}
