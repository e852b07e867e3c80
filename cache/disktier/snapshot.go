package disktier

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/vodedge/vodedge/cache/evict"
)

// The eviction state is saved beside the index, in the disk's directory:
// a header, then evict.SavedLen bytes an entry (320 MB at 20 million
// slices), written to a temp file, synced and renamed over the last.
// The ghost and the verified flags are not saved.
const (
	stateFile   = StateFile
	stateHeader = "vodedge-evict-1\n"
)

// StateFile is the name of a disk's saved eviction state in its
// directory: without it a disk starts as after a crash long ago, with
// no eviction order, and rebuilds its table from the index.
const StateFile = "evict-state"

func (s *disk) statePath() string { return filepath.Join(s.path, stateFile) }

// savedEntries is how many entries the saved state holds (0 when none),
// to size the table up front.
func (s *disk) savedEntries() int {
	fi, err := os.Stat(s.statePath())
	if err != nil {
		return 0
	}
	return int(max(fi.Size()-int64(len(stateHeader)), 0) / evict.SavedLen)
}

// saveState saves the eviction table, once it is loaded (before, it is
// the saved state itself, partly read). A failure is an I/O error of
// the disk and leaves the last saved state in place.
func (s *disk) saveState() {
	if !s.loaded.Load() {
		return
	}
	if err := s.writeState(); err != nil {
		s.log.Warn("saving the eviction state failed", "err", err)
		s.ioError(err)
	}
}

func (s *disk) writeState() error {
	tmp := s.statePath() + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	err = s.exportTo(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.statePath())
	}
	if err != nil {
		_ = os.Remove(tmp)
		return err
	}
	return syncDir(s.path)
}

// exportTo writes the header and every entry, a few thousand at a time
// (the table's lock is held for one batch only).
func (s *disk) exportTo(w io.Writer) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	_, _ = bw.WriteString(stateHeader)
	var batch []evict.Saved
	var b [evict.SavedLen]byte
	for from := 0; from >= 0; {
		batch, from = s.table.Export(batch[:0], from, loadPage)
		for _, e := range batch {
			e.Put(b[:])
			if _, err := bw.Write(b[:]); err != nil {
				return err
			}
		}
	}
	return bw.Flush()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// restoreState loads the saved state into the table, streaming it
// (no memory beyond a read buffer), then puts the queues back in saved
// order; it returns how many entries it restored. A missing or bad file
// restores nothing: reconciliation then loads the table from the index
// alone.
func (s *disk) restoreState() int {
	n, err := s.readState()
	if err != nil && !errors.Is(err, fs.ErrNotExist) && !errors.Is(err, errStopped) {
		s.log.Warn("restoring the eviction state failed; loading it from the index", "restored", n, "err", err)
	}
	s.table.Reorder()
	return n
}

func (s *disk) readState() (int, error) {
	f, err := os.Open(s.statePath())
	if err != nil {
		return 0, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	var b [evict.SavedLen]byte
	if _, err := io.ReadFull(br, b[:len(stateHeader)]); err != nil || string(b[:len(stateHeader)]) != stateHeader {
		return 0, fmt.Errorf("disktier: %s: not an eviction state file", s.statePath())
	}
	n := 0
	for i := 1; ; i++ {
		if _, err := io.ReadFull(br, b[:]); err != nil {
			if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
				return n, nil
			}
			return n, err
		}
		if s.table.Restore(evict.GetSaved(b[:])) {
			n++
		}
		if i%loadPage == 0 && s.stopped() {
			return n, errStopped
		}
	}
}
