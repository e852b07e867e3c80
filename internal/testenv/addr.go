package testenv

import (
	"testing"

	"github.com/vodedge/vodedge/internal/freeport"
)

// FreeAddr returns a loopback "host:port" that was free a moment ago and
// that no earlier call in this process returned, from below the
// ephemeral range (internal/freeport), so that no outgoing connection of
// another test takes it before the caller binds it.
func FreeAddr(t testing.TB) string {
	t.Helper()
	addr, err := freeport.TCP("127.0.0.1")
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	return addr
}
