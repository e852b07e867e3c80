package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// RequireEnv is the environment variable that turns a missing tool from a
// skip into a failure.
const RequireEnv = "VODEDGE_REQUIRE_TOOLS"

// Tool returns the absolute path of the named program, looking in PATH and
// then in the Go bin directory (where `go install` puts versitygw).
func Tool(t testing.TB, name string) string {
	t.Helper()
	if p, err := find(name); err == nil {
		return p
	}
	if os.Getenv(RequireEnv) == "1" {
		t.Fatalf("testenv: %s is not installed (run `make deps`)", name)
	}
	t.Skipf("testenv: %s is not installed; skipping (set %s=1 to fail instead)", name, RequireEnv)
	return ""
}

func find(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, dir := range goBinDirs() {
		p := filepath.Join(dir, name)
		if st, err := os.Stat(p); err == nil && !st.IsDir() && st.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	// Debian installs some daemons outside PATH for non-root users.
	for _, dir := range []string{"/usr/sbin", "/sbin"} {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", exec.ErrNotFound
}

func goBinDirs() []string {
	var dirs []string
	if gb := os.Getenv("GOBIN"); gb != "" {
		dirs = append(dirs, gb)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		for _, p := range filepath.SplitList(gp) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	return dirs
}
