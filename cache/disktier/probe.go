package disktier

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// rootID identifies the directory a disk was opened on: a directory
// removed, or a filesystem unmounted from under it, is another (or none).
type rootID struct{ dev, ino uint64 }

func statRoot(path string) (rootID, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return rootID{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return rootID{}, errors.New("disktier: no inode information")
	}
	return rootID{dev: uint64(st.Dev), ino: st.Ino}, nil
}

// checkRoot fails the disk when its directory vanished or is no longer
// the one it was opened on, and probes that it still takes writes (a
// filesystem remounted read-only, permissions gone, a dead drive) by
// creating and removing a temp file. A probe's error counts as an I/O
// error; probeFailLimit failed probes in a row fail the disk, so a dead
// drive that nobody reads from leaves service too. Only the health loop
// calls it.
func (s *disk) checkRoot() {
	if err := s.probe(); err != nil {
		if s.probeFailures++; s.probeFailures >= probeFailLimit {
			s.fail(fmt.Sprintf("%d health probes failed in a row, the last: %v", s.probeFailures, err))
		}
		return
	}
	s.probeFailures = 0
}

// probeFailLimit is how many failed health probes in a row (one every
// healthEvery) fail a disk.
const probeFailLimit = 3

func (s *disk) probe() error {
	id, err := statRoot(s.path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		s.fail("directory vanished: " + s.path)
		return err
	case err != nil:
		s.ioError(err)
		return err
	case id != s.root:
		s.fail("directory replaced (unmounted, or removed and made again): " + s.path)
		return errors.New("disktier: directory replaced")
	}
	f, err := s.fs.CreateTemp()
	if err != nil {
		s.writeError(err)
		return err
	}
	_ = f.Close()
	return s.fs.Discard(f.Name())
}
