package prefix

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// ErrSyntax marks a prefix file that does not parse.
var ErrSyntax = errors.New("prefix: bad prefix file")

// MaxFileLines bounds a prefix file (a full IPv4 table is about a
// million routes; a site's own prefixes are a few thousand at most).
const MaxFileLines = 1 << 20

// LoadFile reads a site's prefix file (see Parse).
func LoadFile(path string) ([]netip.Prefix, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("prefix file: %w", err)
	}
	ps, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ps, nil
}

// Parse reads a prefix file: one IPv4 or IPv6 prefix per line in CIDR
// notation (a bare address is a /32 or /128), with blank lines and
// comments (from #) ignored. A prefix with bits set past its length
// ("10.1.2.3/16") is refused as a likely typo, naming the prefix meant.
func Parse(b []byte) ([]netip.Prefix, error) {
	var out []netip.Prefix
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		if n > MaxFileLines {
			return nil, fmt.Errorf("%w: more than %d lines", ErrSyntax, MaxFileLines)
		}
		line := sc.Text()
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = line[:i]
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		p, err := parseOne(line)
		if err != nil {
			return nil, fmt.Errorf("%w: line %d: %w", ErrSyntax, n, err)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrSyntax, err)
	}
	return out, nil
}

func parseOne(s string) (netip.Prefix, error) {
	if !strings.Contains(s, "/") {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			return netip.Prefix{}, fmt.Errorf("%q is not an address or prefix", s)
		}
		return netip.PrefixFrom(a, a.BitLen()), nil
	}
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("%q is not a prefix", s)
	}
	if m := p.Masked(); m != p {
		return netip.Prefix{}, fmt.Errorf("%q has host bits set (did you mean %s?)", s, m)
	}
	return p, nil
}
