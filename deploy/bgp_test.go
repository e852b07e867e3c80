package deploy

import (
	"os/exec"
	"testing"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestBIRDExampleParses: BIRD 2 accepts deploy/bgp/bird2.conf.
func TestBIRDExampleParses(t *testing.T) {
	bird := testenv.Tool(t, "bird")
	if out, err := exec.Command(bird, "-p", "-c", "bgp/bird2.conf").CombinedOutput(); err != nil {
		t.Fatalf("bird -p: %v\n%s", err, out)
	}
}
