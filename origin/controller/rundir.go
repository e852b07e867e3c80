package controller

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// Steps that build a directory (a rendition, a chunk, pictures,
// subtitles) build it in a temporary directory of their own run and
// rename it into place at the end. Two runs of one step can overlap: a
// worker cut off from NATS keeps encoding while JetStream hands the step
// to another worker after AckWait. Each run has its own directory
// (runDir), so neither can remove or overwrite the other's files, and
// the last one to finish wins (moveIntoPlace); both built the same
// thing. A run that fails removes its directory; one killed leaves it,
// a dot directory that publishing skips and removes (every step the
// title's publish depends on is done by then; a late run of a
// partitioned worker that loses its directory fails, and its outcome
// belongs to a dispatch the engine no longer waits for).

// runDir creates this run's temporary directory for final: a dot
// directory beside it with a random suffix.
func runDir(final string) (string, error) {
	parent := filepath.Dir(final)
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(parent, ".tmp-"+filepath.Base(final)+"-")
	if err != nil {
		return "", err
	}
	// As MkdirAll would: a worker may run as another user than the
	// controller that publishes.
	return tmp, os.Chmod(tmp, 0o755)
}

// moveIntoPlace makes the finished directory tmp the one at final,
// replacing what is there. If another run of the same step replaces
// final at the same moment, one of the two ends up in place, whole:
// os.Rename does not replace a directory, so final is first moved aside
// under a name of this run's, and the loop starts over if the other run
// got in between.
func moveIntoPlace(tmp, final, what string) error {
	var err error
	for range 16 {
		if err = os.Rename(tmp, final); err == nil {
			return nil
		}
		if _, serr := os.Lstat(tmp); serr != nil {
			break // this run's directory is gone: nothing to move
		}
		var aside string
		if aside, err = moveAside(final); err != nil && !errors.Is(err, fs.ErrNotExist) {
			break
		}
		if aside != "" {
			defer os.RemoveAll(aside)
		}
	}
	return fmt.Errorf("controller: move %s into place: %w", what, err)
}

// moveAside renames dir to a new dot name beside it and returns that
// name; the error wraps fs.ErrNotExist if dir is no longer there.
func moveAside(dir string) (string, error) {
	aside := filepath.Join(filepath.Dir(dir), ".old-"+filepath.Base(dir)+"-"+rand.Text())
	if err := os.Rename(dir, aside); err != nil {
		return "", err
	}
	return aside, nil
}

// removeRunLeftovers removes the directories killed or superseded runs
// left under work (".tmp-…" of runDir, ".old-…" of moveAside), at any
// depth. Errors are ignored: a leftover costs disk space, nothing else.
func removeRunLeftovers(work string) {
	_ = filepath.WalkDir(work, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() || p == work {
			return nil
		}
		if n := d.Name(); strings.HasPrefix(n, ".tmp-") || strings.HasPrefix(n, ".old-") {
			os.RemoveAll(p)
			return fs.SkipDir
		}
		return nil
	})
}
