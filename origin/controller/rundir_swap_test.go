package controller

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// TestMoveIntoPlaceConcurrent: runs that finish at the same moment each
// swap their directory in; every swap succeeds and what is left in place
// is one run's directory, whole (never files of two runs), with nothing
// else left beside it.
func TestMoveIntoPlaceConcurrent(t *testing.T) {
	for round := range 20 {
		parent := t.TempDir()
		final := filepath.Join(parent, "240p")
		const runs, files = 6, 5
		tmps := make([]string, runs)
		for i := range tmps {
			tmp, err := runDir(final)
			if err != nil {
				t.Fatal(err)
			}
			for f := range files {
				os.WriteFile(filepath.Join(tmp, fmt.Sprintf("seg-%d", f)), []byte(fmt.Sprintf("run %d", i)), 0o644)
			}
			tmps[i] = tmp
		}
		var wg sync.WaitGroup
		errs := make([]error, runs)
		for i, tmp := range tmps {
			wg.Go(func() { errs[i] = moveIntoPlace(tmp, final, "rendition") })
		}
		wg.Wait()
		for i, err := range errs {
			if err != nil {
				t.Fatalf("round %d, run %d: %v", round, i, err)
			}
		}
		checkOneRun(t, final, files)
		if left, _ := os.ReadDir(parent); len(left) != 1 {
			t.Fatalf("round %d: %d entries beside the rendition, want only it: %v", round, len(left), left)
		}
	}
}

// checkOneRun: dir holds n files, all written by the same run.
func checkOneRun(t *testing.T, dir string, n int) {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil || len(entries) != n {
		t.Fatalf("%s: %d files, %v; want %d", dir, len(entries), err, n)
	}
	var by string
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if by == "" {
			by = string(b)
		}
		if string(b) != by || !strings.HasPrefix(by, "run ") {
			t.Fatalf("%s mixes runs: %q and %q", dir, by, b)
		}
	}
}
