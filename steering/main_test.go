package steering

import (
	"os"
	"testing"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelperEdge()) // this binary re-executed as an edge of the integration test
	}
	goleak.VerifyTestMain(m, append(testenv.FasthttpGoroutines(),
		// GoBGP's (*BgpServer).Serve is an endless loop that Stop does not
		// end (see steering/bgp's doc).
		goleak.IgnoreAnyFunction("github.com/osrg/gobgp/v3/pkg/server.(*BgpServer).Serve"))...)
}
