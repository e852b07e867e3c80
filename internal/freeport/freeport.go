// Package freeport picks a loopback port for a program that will bind it
// a moment later (the demo's daemons, a benchmark's peer servers, a
// test's processes).
//
// A port taken from the kernel with a listen on port 0 and closed again
// comes from the ephemeral range, the same range the kernel draws from
// for every outgoing connection and every other port-0 listener on the
// machine: on a busy machine another program takes it before the caller
// binds it. Ports here are drawn at random from below that range, where
// only programs that name their port explicitly can land, and a port is
// never handed out twice in one process.
//
// It imports only the standard library.
package freeport

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
)

// lowest is the first port drawn from: above the ports services
// conventionally use (below 10000).
const lowest = 10000

// rangeFile holds the kernel's ephemeral range ("32768\t60999").
const rangeFile = "/proc/sys/net/ipv4/ip_local_port_range"

var handedOut struct {
	mu    sync.Mutex
	ports map[int]bool
}

// TCP returns host:port with a port that no listener or connection uses
// on host right now and that no earlier call in this process returned.
func TCP(host string) (string, error) { return pick(host, false) }

// TCPAndUDP is TCP for a port that is free for UDP too (gossip uses
// both).
func TCPAndUDP(host string) (string, error) { return pick(host, true) }

func pick(host string, udp bool) (string, error) {
	handedOut.mu.Lock()
	defer handedOut.mu.Unlock()
	if handedOut.ports == nil {
		handedOut.ports = map[int]bool{}
	}
	hi := ephemeralLow()
	for range 200 {
		port := lowest + rand.IntN(hi-lowest)
		if handedOut.ports[port] {
			continue
		}
		addr := net.JoinHostPort(host, strconv.Itoa(port))
		if !free(addr, udp) {
			continue
		}
		handedOut.ports[port] = true
		return addr, nil
	}
	return "", fmt.Errorf("freeport: no free port on %s between %d and %d after 200 tries", host, lowest, hi)
}

// free reports whether addr can be bound now (TCP, and UDP if asked).
func free(addr string, udp bool) bool {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return false
	}
	defer ln.Close()
	if !udp {
		return true
	}
	pc, err := net.ListenPacket("udp", addr)
	if err != nil {
		return false
	}
	pc.Close()
	return true
}

// ephemeralLow is the first port of the kernel's ephemeral range, or
// 32768 (Linux's default) when it cannot be read or makes no room.
func ephemeralLow() int {
	const fallback = 32768
	b, err := os.ReadFile(rangeFile)
	if err != nil {
		return fallback
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return fallback
	}
	n, err := strconv.Atoi(f[0])
	if err != nil || n < lowest+1000 || n > 65535 {
		return fallback
	}
	return n
}
