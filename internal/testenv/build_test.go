package testenv

import (
	"os/exec"
	"strings"
	"testing"
)

func TestVodedgeIsBuiltOnce(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the vodedge binary")
	}
	first := Vodedge(t)
	if again := Vodedge(t); again != first {
		t.Fatalf("second call built again: %s, then %s", first, again)
	}
	out, err := exec.Command(first, "--help").CombinedOutput()
	if err != nil && !strings.Contains(string(out), "edge") {
		t.Fatalf("%s --help: %v\n%s", first, err, out)
	}
	if !strings.Contains(string(out), "edge") {
		t.Fatalf("%s --help does not list the edge subcommand:\n%s", first, out)
	}
}
