package deploy

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"go.uber.org/goleak"
)

// binary is vodedge built once for these tests.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "vodedge-deploy")
	if err != nil {
		panic(err)
	}
	binary = filepath.Join(dir, "vodedge")
	if out, err := exec.Command("go", "build", "-o", binary, "../cmd/vodedge").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "building vodedge: %v\n%s", err, out)
		os.Exit(1)
	}
	code := 0
	func() {
		defer os.RemoveAll(dir)
		goleak.VerifyTestMain(exitCatcher{&code, m})
	}()
	os.Exit(code)
}

type exitCatcher struct {
	code *int
	m    *testing.M
}

func (e exitCatcher) Run() int { *e.code = e.m.Run(); return *e.code }
