package bgp

import (
	"testing"

	"go.uber.org/goleak"
)

// GoBGP's (*BgpServer).Serve is an endless loop that Stop does not end
// (see the package doc); it is the one goroutine ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreAnyFunction("github.com/osrg/gobgp/v3/pkg/server.(*BgpServer).Serve"))
}
