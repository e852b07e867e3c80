package tiergrant

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net"
	"slices"
)

// MaxDirectoryBytes bounds a directory on the wire.
const MaxDirectoryBytes = 1 << 20

// Directory is a child site's view of its parents, as the controller
// serves it (GET /v1/tiers/{site}): the grant to present, and each parent
// site's live nodes, parents in preference order.
type Directory struct {
	Site    string   `json:"site"`
	Grant   string   `json:"grant"`
	Parents []Parent `json:"parents"`
}

// Parent is one parent site and its live nodes.
type Parent struct {
	Site  string `json:"site"`
	Nodes []Node `json:"nodes"`
}

// Node is a parent node: its name and weight (its placement in its own
// site) and its peer listener.
type Node struct {
	Name     string  `json:"name"`
	Weight   float64 `json:"weight"`
	PeerAddr string  `json:"peer_addr"`
}

// ParseDirectory reads a directory for site: its grant must verify with
// pub and be the site's, and every parent listed must be one the grant
// names. Nodes without a usable peer address are an error (the
// controller lists only nodes that reported one).
func ParseDirectory(r io.Reader, pub ed25519.PublicKey, site string) (*Directory, error) {
	raw, err := io.ReadAll(io.LimitReader(r, MaxDirectoryBytes+1))
	if err != nil {
		return nil, err
	}
	if len(raw) > MaxDirectoryBytes {
		return nil, fmt.Errorf("%w: directory larger than %d bytes", ErrMalformed, MaxDirectoryBytes)
	}
	var d Directory
	if err := strictJSON(raw, &d); err != nil {
		return nil, err
	}
	g, err := Open(d.Grant, pub)
	if err != nil {
		return nil, err
	}
	if d.Site != site || g.Site != site {
		return nil, fmt.Errorf("%w: directory for site %q (grant for %q), this node is in %q", ErrMalformed, d.Site, g.Site, site)
	}
	for i, p := range d.Parents {
		if err := p.validate(g); err != nil {
			return nil, fmt.Errorf("%w: parents[%d]: %w", ErrMalformed, i, err)
		}
	}
	return &d, nil
}

func (p *Parent) validate(g *Grant) error {
	if !slices.Contains(g.Parents, p.Site) {
		return fmt.Errorf("site %q is not a parent the grant names", p.Site)
	}
	seen := map[string]bool{}
	for _, n := range p.Nodes {
		if _, port, err := net.SplitHostPort(n.PeerAddr); err != nil || port == "" {
			return fmt.Errorf("node %q: peer_addr %q is not host:port", n.Name, n.PeerAddr)
		}
		if !validName(n.Name) || seen[n.Name] || n.Weight < 0 || math.IsNaN(n.Weight) || math.IsInf(n.Weight, 0) {
			return fmt.Errorf("node %q: needs a unique name and a finite weight ≥ 0", n.Name)
		}
		seen[n.Name] = true
	}
	return nil
}

// strictJSON decodes one JSON value, refusing unknown fields and
// trailing data.
func strictJSON(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if dec.More() {
		return fmt.Errorf("%w: data after the JSON value", ErrMalformed)
	}
	return nil
}
