package cluster

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"net"
	"strconv"
)

// ErrBadMeta marks node metadata that cannot be published or was not
// understood: a field too long for gossip, or bytes that do not decode.
var ErrBadMeta = errors.New("cluster: bad node metadata")

// MaxMetaBytes is memberlist's limit on a node's metadata.
const MaxMetaBytes = 512

// Field limits. With them the largest metadata encodes to 463 bytes, under
// MaxMetaBytes (TestMetaMaximalFits).
const (
	MaxSiteLen     = 64
	MaxAddrLen     = 100
	MaxVersionLen  = 64
	maxWeightMilli = 1_000_000_000 // weight 1,000,000
)

// metaVersion is the encoding written. A decoder reads the fields of
// version 1 from any version ≥ 1 and ignores what a later version appends,
// so nodes of two releases can share a site during an upgrade. Version 2
// appends TLSPort.
const metaVersion = 2

// Meta is what a node publishes about itself through gossip.
type Meta struct {
	Site      string  // the site (ISP location) the node belongs to
	HTTPAddr  string  // public listener for players, host:port
	AdminAddr string  // admin listener, host:port
	PeerAddr  string  // peer listener for the site's nodes, host:port
	Weight    float64 // capacity weight in placement, > 0 (kept to 1/1000)
	State     State
	// EgressBps is the node's egress in bits/s when it last published
	// (it republishes when the load moves by Config.LoadStep).
	EgressBps uint64
	// CapacityBps is the egress the node is sized for, bits/s; 0 when
	// not configured.
	CapacityBps uint64
	Version     string // software version
	// TLSPort is the port of the node's HTTPS listener for players, on
	// HTTPAddr's host; 0 when it serves plain HTTP only.
	TLSPort uint16
}

// Load is egress as a fraction of capacity (0 when capacity is unknown).
func (m Meta) Load() float64 {
	if m.CapacityBps == 0 {
		return 0
	}
	return float64(m.EgressBps) / float64(m.CapacityBps)
}

// Validate checks that m can be published: lengths within the limits
// above, addresses of the form host:port (a watcher's may be empty), a
// positive weight.
func (m Meta) Validate() error {
	var errs []error
	bad := func(format string, a ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrBadMeta}, a...)...))
	}
	if m.Site == "" || len(m.Site) > MaxSiteLen || !siteName(m.Site) {
		bad("site %q: want 1 to %d characters of A-Z a-z 0-9 . _ -", clip(m.Site), MaxSiteLen)
	}
	for _, f := range []struct{ name, v string }{{"HTTP address", m.HTTPAddr}, {"admin address", m.AdminAddr}, {"peer address", m.PeerAddr}} {
		if f.v == "" && m.State == StateWatching {
			continue
		}
		if err := checkAddr(f.v); err != nil {
			bad("%s %q: %v", f.name, clip(f.v), err)
		}
	}
	if !(m.Weight >= 0.001 && m.Weight <= maxWeightMilli/1000) {
		bad("capacity weight %v: want 0.001 to %d", m.Weight, maxWeightMilli/1000)
	}
	if len(m.Version) > MaxVersionLen {
		bad("version %q is %d bytes, at most %d fit in gossip metadata", clip(m.Version), len(m.Version), MaxVersionLen)
	}
	return errors.Join(errs...)
}

func checkAddr(a string) error {
	if len(a) > MaxAddrLen {
		return fmt.Errorf("%d bytes, at most %d fit in gossip metadata", len(a), MaxAddrLen)
	}
	_, port, err := net.SplitHostPort(a)
	if err != nil {
		return err
	}
	if p, err := strconv.Atoi(port); err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("bad port %q", port)
	}
	return nil
}

func siteName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Encode returns m's gossip encoding: a version byte, then the fields in
// order (strings and numbers as uvarint-prefixed bytes and uvarints). It
// fails when m does not validate or the result exceeds MaxMetaBytes.
func (m Meta) Encode() ([]byte, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	b := make([]byte, 0, 128)
	b = append(b, metaVersion)
	for _, s := range []string{m.Site, m.HTTPAddr, m.AdminAddr, m.PeerAddr} {
		b = appendString(b, s)
	}
	b = append(b, byte(m.State))
	b = binary.AppendUvarint(b, uint64(math.Round(m.Weight*1000)))
	b = binary.AppendUvarint(b, m.EgressBps)
	b = binary.AppendUvarint(b, m.CapacityBps)
	b = appendString(b, m.Version)
	b = binary.AppendUvarint(b, uint64(m.TLSPort))
	if len(b) > MaxMetaBytes {
		return nil, fmt.Errorf("%w: %d bytes encoded, memberlist allows %d", ErrBadMeta, len(b), MaxMetaBytes)
	}
	return b, nil
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}
