package bgp

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Config is the embedded BGP speaker's configuration.
type Config struct {
	// ASN is steering's own AS number; RouterID its BGP identifier (an
	// IPv4 address).
	ASN      uint32
	RouterID string
	// Listen is host:port for routers that connect to steering; "" opens
	// no listener (steering then connects to its neighbors itself).
	Listen string
	// Neighbors are the routers that announce client prefixes.
	Neighbors []Neighbor
	// Communities maps a standard BGP community ("65000:100") to the
	// site whose clients a route tagged with it are. A route that carries
	// one or more of them belongs to those sites; one that carries none
	// belongs to its neighbor's Site.
	Communities map[string]string
	// ConnectRetry is how often an unestablished session is retried
	// (GoBGP's minimum is 1 s). Default 5 s.
	ConnectRetry time.Duration
	// HoldTime is the BGP hold time; the keepalive is a third of it.
	// Default 90 s (a lost router is otherwise noticed through TCP).
	HoldTime time.Duration
}

// Neighbor is a router steering peers with.
type Neighbor struct {
	// Address is the router's IP address.
	Address string
	// Port is the router's BGP port; 0 is 179.
	Port int
	// ASN is the router's AS number (equal to Config.ASN for iBGP).
	ASN uint32
	// Site owns the routes this router announces without a mapped
	// community (the router of that site). "" ignores such routes: a
	// route reflector announcing for every site tags each route instead.
	Site string
	// Passive waits for the router to connect rather than connecting.
	Passive bool
	// LocalAddress is the source address for the session ("" lets the
	// system choose).
	LocalAddress string
	// Password enables TCP MD5 authentication (RFC 2385).
	Password string
	// Multihop allows an eBGP router that is more than one hop away.
	Multihop bool
}

// DefaultConfig returns the defaults: no listener, 5 s connect retry,
// 90 s hold time.
func DefaultConfig() Config {
	return Config{ConnectRetry: 5 * time.Second, HoldTime: 90 * time.Second}
}

// Source is the prefix-table source name of a neighbor's routes.
func Source(neighbor string) string { return "bgp:" + neighbor }

func (c *Config) validate() (communities map[uint32]string, err error) {
	var errs []error
	bad := func(format string, a ...any) { errs = append(errs, fmt.Errorf("bgp: "+format, a...)) }
	if c.ASN == 0 {
		bad("no AS number for steering")
	}
	if a, err := netip.ParseAddr(c.RouterID); err != nil || !a.Is4() {
		bad("router ID %q: want an IPv4 address", c.RouterID)
	}
	if c.Listen != "" {
		if _, _, err := listenAddr(c.Listen); err != nil {
			bad("listen address %q: %v", c.Listen, err)
		}
	}
	if len(c.Neighbors) == 0 {
		bad("no neighbor")
	}
	seen := map[string]bool{}
	for _, n := range c.Neighbors {
		if err := n.validate(); err != nil {
			errs = append(errs, err)
		}
		if seen[n.Address] {
			bad("neighbor %s given twice", n.Address)
		}
		seen[n.Address] = true
	}
	if c.ConnectRetry < time.Second || c.HoldTime < 3*time.Second {
		bad("connect retry %v (want ≥ 1s) or hold time %v (want ≥ 3s) too short", c.ConnectRetry, c.HoldTime)
	}
	communities = map[uint32]string{}
	for s, site := range c.Communities {
		v, err := ParseCommunity(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if site == "" {
			bad("community %s maps to no site", s)
		}
		communities[v] = site
	}
	return communities, errors.Join(errs...)
}

func (n *Neighbor) validate() error {
	if a, err := netip.ParseAddr(n.Address); err != nil || a.Zone() != "" {
		return fmt.Errorf("bgp: neighbor address %q: want an IP address", n.Address)
	}
	if n.ASN == 0 || n.Port < 0 || n.Port > 65535 {
		return fmt.Errorf("bgp: neighbor %s: AS number %d, port %d", n.Address, n.ASN, n.Port)
	}
	if n.LocalAddress != "" {
		if _, err := netip.ParseAddr(n.LocalAddress); err != nil {
			return fmt.Errorf("bgp: neighbor %s: local address %q: %w", n.Address, n.LocalAddress, err)
		}
	}
	return nil
}

// ParseCommunity parses a standard community "ASN:VALUE" (each 0–65535).
func ParseCommunity(s string) (uint32, error) {
	hi, lo, ok := strings.Cut(s, ":")
	a, err1 := strconv.ParseUint(hi, 10, 16)
	b, err2 := strconv.ParseUint(lo, 10, 16)
	if !ok || err1 != nil || err2 != nil {
		return 0, fmt.Errorf("bgp: community %q: want ASN:VALUE, each 0-65535", s)
	}
	return uint32(a)<<16 | uint32(b), nil
}

// FormatCommunity is the "ASN:VALUE" form of a standard community.
func FormatCommunity(c uint32) string { return fmt.Sprintf("%d:%d", c>>16, c&0xffff) }

// listenAddr splits host:port; an empty host listens on every address.
func listenAddr(s string) (hosts []string, port int32, err error) {
	host, p, err := net.SplitHostPort(s)
	if err != nil {
		return nil, 0, err
	}
	n, err := strconv.ParseUint(p, 10, 16)
	if err != nil || n == 0 {
		return nil, 0, fmt.Errorf("bad port %q (0 is not allowed: routers need a known port)", p)
	}
	if host == "" {
		return []string{"0.0.0.0", "::"}, int32(n), nil
	}
	return []string{host}, int32(n), nil
}
