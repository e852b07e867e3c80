package steering

import (
	"bytes"
	"net/netip"
)

// clientAddr is the address a decision is made for: the connection's
// peer, unless the peer is a trusted proxy; then the rightmost address of
// X-Forwarded-For (the headers in order, as sent) that is not itself a
// trusted proxy. Entries left of the first untrusted one are the client's
// own claims and never believed. A malformed entry stops the walk at the
// last proxy that added a good one.
func clientAddr(peer netip.Addr, xff [][]byte, trusted []netip.Prefix) netip.Addr {
	peer = peer.Unmap()
	if !isTrusted(peer, trusted) {
		return peer
	}
	addr := peer
	for h := len(xff) - 1; h >= 0; h-- {
		list := xff[h]
		for len(list) > 0 {
			entry := list
			if i := bytes.LastIndexByte(list, ','); i >= 0 {
				entry, list = list[i+1:], list[:i]
			} else {
				list = nil
			}
			a, ok := parseForwarded(bytes.TrimSpace(entry))
			if !ok {
				return addr
			}
			addr = a
			if !isTrusted(a, trusted) {
				return a
			}
		}
	}
	return addr
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseForwarded reads an X-Forwarded-For entry: an address, possibly
// with a port ("192.0.2.1:4711", "[2001:db8::1]:4711").
func parseForwarded(b []byte) (netip.Addr, bool) {
	s := string(b)
	if a, err := netip.ParseAddr(s); err == nil && a.Zone() == "" {
		return a.Unmap(), true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil && ap.Addr().Zone() == "" {
		return ap.Addr().Unmap(), true
	}
	return netip.Addr{}, false
}
