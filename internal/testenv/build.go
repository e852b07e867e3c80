package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// vodedgePkg is the package Vodedge builds.
const vodedgePkg = "github.com/vodedge/vodedge/cmd/vodedge"

// built is the binary Vodedge builds once per test process.
var built struct {
	mu    sync.Mutex // protects everything below
	owned bool       // a TestMain runs through WithBinaries
	dir   string     // the temporary directory holding it
	path  string
	err   string // the failed build's message, for every later caller
}

// Vodedge returns the path of the vodedge binary built from this module,
// building it on the first call of the test process (later calls, from
// any test of the package, get the same file). A failed build fails
// every test that asks. The package's TestMain must run its tests
// through WithBinaries, which removes the binary at the end.
func Vodedge(t testing.TB) string {
	t.Helper()
	goBin := Tool(t, "go")
	built.mu.Lock()
	defer built.mu.Unlock()
	if !built.owned {
		t.Fatal("testenv: Vodedge needs the package's TestMain to run its tests through testenv.WithBinaries")
	}
	if built.path == "" && built.err == "" {
		built.path, built.err = build(goBin)
	}
	if built.err != "" {
		t.Fatal(built.err)
	}
	return built.path
}

func build(goBin string) (path, failure string) {
	dir, err := os.MkdirTemp("", "vodedge-test-bin")
	if err != nil {
		return "", "testenv: " + err.Error()
	}
	built.dir = dir
	path = filepath.Join(dir, "vodedge")
	if out, err := exec.Command(goBin, "build", "-o", path, vodedgePkg).CombinedOutput(); err != nil {
		return "", "testenv: go build " + vodedgePkg + ": " + err.Error() + "\n" + string(out)
	}
	return path, ""
}

// WithBinaries wraps a TestMain's m so that running it also removes,
// after the tests, what Vodedge built:
//
//	func TestMain(m *testing.M) { goleak.VerifyTestMain(testenv.WithBinaries(m)) }
func WithBinaries(m *testing.M) interface{ Run() int } {
	built.mu.Lock()
	built.owned = true
	built.mu.Unlock()
	return binariesM{m}
}

type binariesM struct{ m *testing.M }

func (b binariesM) Run() int {
	defer func() {
		built.mu.Lock()
		defer built.mu.Unlock()
		if built.dir != "" {
			os.RemoveAll(built.dir)
		}
		built.dir, built.path, built.err = "", "", ""
	}()
	return b.m.Run()
}
