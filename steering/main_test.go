package steering

import (
	"os"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	if os.Getenv(helperEnv) != "" {
		os.Exit(runHelperEdge()) // this binary re-executed as an edge of the integration test
	}
	goleak.VerifyTestMain(m,
		// GoBGP's (*BgpServer).Serve is an endless loop that Stop does not
		// end (see steering/bgp's doc).
		goleak.IgnoreAnyFunction("github.com/osrg/gobgp/v3/pkg/server.(*BgpServer).Serve"),
		// fasthttp's process-wide Date refresher and a stopped server's
		// pool cleaner, which notices the stop only after its idle sleep.
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.updateServerDate.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.init.func1"),
		goleak.IgnoreAnyFunction("github.com/valyala/fasthttp.(*workerPool).Start.func2"),
	)
}
