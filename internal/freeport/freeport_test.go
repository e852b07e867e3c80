package freeport

import (
	"net"
	"strconv"
	"testing"
)

// Ports come from below the ephemeral range, bind, and never repeat.
func TestPortsAreBelowTheEphemeralRangeAndNeverRepeat(t *testing.T) {
	seen := map[string]bool{}
	low := ephemeralLow()
	for range 300 {
		addr, err := TCP("127.0.0.1")
		if err != nil {
			t.Fatal(err)
		}
		if seen[addr] {
			t.Fatalf("%s handed out twice", addr)
		}
		seen[addr] = true
		_, p, _ := net.SplitHostPort(addr)
		port, _ := strconv.Atoi(p)
		if port < lowest || port >= low {
			t.Fatalf("port %d outside [%d, %d)", port, lowest, low)
		}
	}
	addr, err := TCPAndUDP("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the port handed out does not bind: %v", err)
	}
	ln.Close()
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		t.Fatalf("the UDP port handed out does not bind: %v", err)
	}
	pc.Close()
}

// A port someone holds is never handed out.
func TestBusyPortsAreSkipped(t *testing.T) {
	addr, err := TCP("127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if free(addr, false) != true {
		t.Fatalf("%s not free right after it was picked", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if free(addr, false) {
		t.Fatalf("%s reported free while a listener holds it", addr)
	}
}

// A host nobody can bind is an error naming it, not a loop.
func TestUnbindableHostIsAnError(t *testing.T) {
	if _, err := TCP("192.0.2.1"); err == nil {
		t.Fatal("a port on an address this machine lacks was handed out")
	}
}
