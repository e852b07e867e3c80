package disktier

import (
	"fmt"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"

	"github.com/vodedge/vodedge/internal/testenv"
)

// The index on Pebble's in-memory filesystem with injectable errors: a
// failing index read is a miss (the edge refetches), never a crash, and
// repeated failures degrade the tier.
func TestIndexReadErrorsAreMissesAndDegrade(t *testing.T) {
	toggle := &errorfs.Toggle{Injector: errorfs.InjectorFunc(func(op errorfs.Op) error {
		if op.Kind.ReadOrWrite() == errorfs.OpIsRead {
			return errorfs.ErrInjected
		}
		return nil
	})}
	mem := vfs.NewMem()
	cfg := testCfg(t.TempDir())
	cfg.MaxErrors = 3
	cfg.FailErrors = 1000 // up to 50 errors: degraded, below failing (TestReadErrorsPastTheThresholdFailTheDisk)
	s := openStore(t, cfg, Deps{IndexFS: errorfs.Wrap(mem, toggle)})
	for i := range 50 {
		put(t, s, fmt.Sprintf("/k/%d", i), data(1000, byte(i)))
	}
	// Push the records out of the memtable so that reads hit "disk".
	if err := onlyDisk(s).db.Flush(); err != nil {
		t.Fatal(err)
	}
	toggle.On()
	misses := 0
	for i := range 50 {
		if _, ok := s.Lookup(fmt.Sprintf("/k/%d", i), true); !ok {
			misses++
		}
	}
	toggle.Off()
	if misses == 0 {
		t.Skip("pebble served every read from its caches; no read reached the injected filesystem")
	}
	if s.Degraded() == "" {
		t.Fatalf("%d failed index reads did not degrade the tier", misses)
	}
	testenv.Eventually(t, 5*time.Second, "index reads to succeed after the fault cleared", func() bool {
		_, ok := s.Lookup("/k/1", false)
		return ok
	})
}
