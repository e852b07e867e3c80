package deploy

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestDebianPackage builds the .deb with nfpm from deploy/nfpm.yaml (as
// `make deb` does), installs it with dpkg -i on this machine, runs
// `vodedge edge --help` from it, checks the user, the units (with
// systemd-analyze verify when present) and the configs, and purges it.
// It needs root: CI runs as root.
func TestDebianPackage(t *testing.T) {
	nfpm, dpkg := testenv.Tool(t, "nfpm"), testenv.Tool(t, "dpkg")
	if os.Geteuid() != 0 {
		if os.Getenv(testenv.RequireEnv) == "1" {
			t.Fatal("installing a package needs root")
		}
		t.Skip("installing a package needs root")
	}
	if _, err := os.Stat("/usr/bin/vodedge"); err == nil {
		if out, _ := exec.Command("dpkg-query", "-W", "-f=${Status}", "vodedge").Output(); !strings.Contains(string(out), "installed") {
			t.Skip("/usr/bin/vodedge exists and is not from the package: not overwriting it")
		}
	}
	out, root := t.TempDir(), repoView(t)
	cmd := exec.Command(nfpm, "pkg", "--config", "deploy/nfpm.yaml", "--packager", "deb", "--target", out)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "VODEDGE_VERSION=0.0.0~test")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("nfpm: %v\n%s", err, msg)
	}
	debs, _ := filepath.Glob(filepath.Join(out, "*.deb"))
	if len(debs) != 1 {
		t.Fatalf("nfpm made %v", debs)
	}
	run(t, dpkg, "-i", debs[0])
	t.Cleanup(func() {
		if msg, err := exec.Command(dpkg, "--purge", "vodedge").CombinedOutput(); err != nil {
			t.Errorf("dpkg --purge: %v\n%s", err, msg)
		}
		if _, err := os.Stat("/usr/bin/vodedge"); err == nil {
			t.Error("/usr/bin/vodedge is still there after the purge")
		}
	})
	if help := run(t, "/usr/bin/vodedge", "edge", "--help"); !strings.Contains(help, "Run an edge node") {
		t.Errorf("vodedge edge --help from the package:\n%s", help)
	}
	run(t, "getent", "passwd", "vodedge")
	for _, f := range []string{"/etc/vodedge/edge.yaml", "/etc/vodedge/steer.yaml", "/etc/vodedge/origin.yaml", "/etc/logrotate.d/vodedge",
		"/lib/systemd/system/vodedge-edge.service", "/lib/systemd/system/vodedge-steer.service", "/lib/systemd/system/vodedge-origin.service",
		"/usr/share/doc/vodedge/examples/grafana/vodedge-dashboard.json"} {
		if _, err := os.Stat(f); err != nil {
			t.Errorf("not installed: %v", err)
		}
	}
	if st, err := os.Stat("/etc/vodedge/edge.yaml"); err == nil && st.Mode().Perm() != 0o640 {
		t.Errorf("/etc/vodedge/edge.yaml mode %v, want 0640", st.Mode().Perm())
	}
	if sa, err := exec.LookPath("systemd-analyze"); err == nil {
		units, _ := filepath.Glob("/lib/systemd/system/vodedge-*.service")
		run(t, sa, append([]string{"verify", "--man=no"}, units...)...)
	}
}

// repoView is a directory that looks like the repository root to nfpm
// (deploy/, docs/ and bin/vodedge) without writing into the checkout.
func repoView(t *testing.T) string {
	root := t.TempDir()
	for _, d := range []string{"deploy", "docs"} {
		abs, err := filepath.Abs(filepath.Join("..", d))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(abs, filepath.Join(root, d)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(root, "bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(testenv.Vodedge(t), filepath.Join(root, "bin", "vodedge")); err != nil {
		t.Fatal(err)
	}
	return root
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}
