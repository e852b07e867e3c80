package bench

import (
	"fmt"
	"os"
	"path/filepath"
)

// workDir is where a run keeps its corpus, configs and logs.
type workDir struct {
	path   string
	remove bool // a temp dir the bench made and was not asked to keep
}

// openWorkDir uses dir when given (creating it; it is never removed: the
// bench does not delete what an operator named) or makes a temp dir named
// after pattern, removed by close unless keep.
func openWorkDir(dir, pattern string, keep bool) (*workDir, error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("bench: work dir: %w", err)
		}
		abs, err := filepath.Abs(dir)
		if err != nil {
			return nil, fmt.Errorf("bench: work dir: %w", err)
		}
		return &workDir{path: abs}, nil
	}
	d, err := os.MkdirTemp("", pattern)
	if err != nil {
		return nil, fmt.Errorf("bench: work dir: %w", err)
	}
	return &workDir{path: d, remove: !keep}, nil
}

func (w *workDir) join(elem ...string) string {
	return filepath.Join(append([]string{w.path}, elem...)...)
}

// close removes the directory if the bench made it for this run alone.
func (w *workDir) close() error {
	if !w.remove {
		return nil
	}
	return os.RemoveAll(w.path)
}
