package disktier

import (
	"bytes"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/cockroachdb/pebble/v2/vfs/errorfs"
)

// panicHelperEnv runs TestPebblePanicHelper in a child process.
const panicHelperEnv = "VODEDGE_DISKTIER_PANIC_HELPER"

// TestPebblePanicFailsOnlyItsDisk: a write to a Pebble whose WAL flush
// failed in the background panics inside Pebble's commit pipeline with
// its lock held; that database then blocks every writer and its Close
// forever. The child process (its Pebble goroutines cannot be stopped,
// so it runs apart from the leak check) shows the panic fails that disk
// only: the process lives on, the other disk serves, nothing hangs.
func TestPebblePanicFailsOnlyItsDisk(t *testing.T) {
	cmd := exec.Command(os.Args[0], "-test.run=^TestPebblePanicHelper$", "-test.v")
	cmd.Env = append(os.Environ(), panicHelperEnv+"=1")
	out, err := cmd.CombinedOutput()
	if err != nil || !bytes.Contains(out, []byte("helper: survived")) {
		t.Fatalf("child: %v\n%s", err, out)
	}
}

func TestPebblePanicHelper(t *testing.T) {
	if os.Getenv(panicHelperEnv) == "" {
		t.Skip("runs in TestPebblePanicFailsOnlyItsDisk's child process")
	}
	cfg := multiCfg(t, 2)
	toggle := &errorfs.Toggle{Injector: errorfs.InjectorFunc(func(op errorfs.Op) error {
		if strings.HasSuffix(op.Path, ".log") && (op.Kind == errorfs.OpFileWrite || op.Kind == errorfs.OpFileWriteAt) {
			return errorfs.ErrInjected
		}
		return nil
	})}
	s, err := Open(cfg, Deps{PerDisk: func(path string) DiskDeps {
		if path == cfg.Disks[1].Path {
			return DiskDeps{IndexFS: errorfs.Wrap(vfs.Default, toggle)}
		}
		return DiskDeps{}
	}})
	if err != nil {
		t.Fatal(err)
	}
	waitLoaded(t, s)
	objs := fillDisks(t, s, 5)
	d1 := s.inService()[1]
	toggle.On()
	// Unsynced writes large enough for Pebble's WAL flusher to write (and
	// fail) in the background; the next write then panics.
	for i := range 4 {
		_ = d1.ix.apply(func(db *pebble.DB) error { return db.Set([]byte{byte(i)}, make([]byte, 64<<10), pebble.NoSync) })
		time.Sleep(50 * time.Millisecond)
	}
	info := waitState(t, s, "d1", stateFailed)
	if !strings.Contains(info.Reason, "panicked") || !d1.ix.wedged() {
		t.Fatalf("d1: %q, wedged %v", info.Reason, d1.ix.wedged())
	}
	checkServes(t, s, survivors(objs, "d1"))
	done := make(chan error, 1)
	go func() { done <- s.Close() }()
	select {
	case <-done:
	case <-time.After(2 * closeWait):
		t.Fatal("Close hangs on the wedged disk")
	}
	t.Log("helper: survived")
}
