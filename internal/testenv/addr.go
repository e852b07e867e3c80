package testenv

import (
	"net"
	"sync"
	"testing"
)

// handedOut holds every port FreeAddr has returned in this process. The
// kernel may hand the same ephemeral port to two listen-and-close probes
// in a row; a test that asks for two addresses (public and admin) would
// then start a program on one port twice.
var handedOut struct {
	mu    sync.Mutex
	ports map[int]bool
}

// FreeAddr returns a loopback "host:port" that was free a moment ago and
// that no earlier call in this process returned. Another process may
// still take it before the caller binds it.
func FreeAddr(t testing.TB) string {
	t.Helper()
	handedOut.mu.Lock()
	defer handedOut.mu.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = map[int]bool{}
	}
	// Hold every probe open until a new port turns up, so the kernel
	// cannot offer the same one again within this loop.
	var held []net.Listener
	defer func() {
		for _, l := range held {
			l.Close()
		}
	}()
	for range 64 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatalf("testenv: find a free port: %v", err)
		}
		held = append(held, l)
		port := l.Addr().(*net.TCPAddr).Port
		if !handedOut.ports[port] {
			handedOut.ports[port] = true
			return l.Addr().String()
		}
	}
	t.Fatal("testenv: 64 probes in a row offered ports already handed out")
	return ""
}
