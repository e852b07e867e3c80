package testenv

import (
	"net"
	"testing"
)

func TestFreeAddrNeverRepeats(t *testing.T) {
	seen := map[string]bool{}
	for range 200 {
		a := FreeAddr(t)
		if seen[a] {
			t.Fatalf("FreeAddr returned %s twice", a)
		}
		seen[a] = true
	}
	// The address is bindable right after.
	l, err := net.Listen("tcp", FreeAddr(t))
	if err != nil {
		t.Fatalf("bind a FreeAddr address: %v", err)
	}
	l.Close()
}
