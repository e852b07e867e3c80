package prefix

import (
	"net/netip"
	"slices"
	"testing"
)

// model is the obvious implementation: a list of claims, scanned.
type model map[[3]string]bool // source, prefix, site

func (m model) lookup(a netip.Addr) []Match {
	best := map[string]netip.Prefix{}
	for c := range m {
		p := netip.MustParsePrefix(c[1])
		if p.Contains(a) {
			if b, ok := best[c[2]]; !ok || p.Bits() > b.Bits() {
				best[c[2]] = p
			}
		}
	}
	var out []Match
	for s, p := range best {
		out = append(out, Match{s, p})
	}
	slices.SortFunc(out, func(x, y Match) int {
		if x.Prefix.Bits() != y.Prefix.Bits() {
			return y.Prefix.Bits() - x.Prefix.Bits()
		}
		return compareStrings(x.Site, y.Site)
	})
	return out
}

// FuzzTable runs a program of adds, removes and source replacements over
// a small address space (so prefixes overlap and nest), and compares
// every lookup with the model. Each op is 4 bytes: op, address byte,
// length, site and source.
func FuzzTable(f *testing.F) {
	f.Add([]byte{0, 10, 8, 0, 0, 10, 16, 1, 2, 10, 0, 0, 1, 10, 8, 0})
	f.Add([]byte{0, 0xff, 0x84, 0x12, 0, 0x80, 1, 3, 3, 0, 0, 1, 2, 0x81, 0, 0})
	f.Fuzz(func(t *testing.T, prog []byte) {
		tb, m := New(), model{}
		sites, srcs := []string{"ams", "fra", "lon"}, []string{"static", "bgp:a", "bgp:b"}
		for len(prog) >= 4 {
			op, ab, lb, ss := prog[0], prog[1], prog[2], prog[3]
			prog = prog[4:]
			p := fuzzPrefix(ab, lb)
			site, src := sites[int(ss&3)%3], srcs[int(ss>>2&3)%3]
			key := [3]string{src, p.String(), site}
			switch op % 4 {
			case 0:
				if got := tb.Add(src, p, site); got != !m[key] {
					t.Fatalf("Add %v = %v", key, got)
				}
				m[key] = true
			case 1:
				if got := tb.Remove(src, p, site); got != m[key] {
					t.Fatalf("Remove %v = %v", key, got)
				}
				delete(m, key)
			case 2:
				tb.ReplaceSource(src, nil)
				for k := range m {
					if k[0] == src {
						delete(m, k)
					}
				}
			case 3:
				a := fuzzAddr(ab, lb)
				if got, want := tb.Lookup(a, nil), m.lookup(a); !slices.Equal(got, want) {
					t.Fatalf("Lookup(%s) = %v, want %v", a, got, want)
				}
			}
		}
		claims := 0
		for _, n := range tb.Claims() {
			claims += n
		}
		if claims != len(m) {
			t.Fatalf("%d claims, model has %d", claims, len(m))
		}
	})
}

// fuzzPrefix makes a prefix in 10.0.0.0/8 or 2001:db8::/32 (the top bit
// of lb picks the family) whose bits come from b.
func fuzzPrefix(b, lb byte) netip.Prefix {
	if lb&0x80 == 0 {
		return netip.PrefixFrom(netip.AddrFrom4([4]byte{10, b, b << 3, 0}), 8+int(lb&0x7f)%17).Masked()
	}
	return netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, b, b << 3}), 32+int(lb&0x7f)%17).Masked()
}

func fuzzAddr(b, lb byte) netip.Addr {
	if lb&0x80 == 0 {
		return netip.AddrFrom4([4]byte{10, b, b<<3 | lb&7, 1})
	}
	return netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, b, b<<3 | lb&7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("10.0.0.0/8\n# c\n2001:db8::/32 # x\n192.0.2.1\n"))
	f.Add([]byte("::ffff:10.0.0.0/104\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		ps, err := Parse(b)
		if err != nil {
			return
		}
		tb := New()
		for _, p := range ps {
			if !p.IsValid() || p.Masked() != p {
				t.Fatalf("Parse returned %v", p)
			}
			tb.Add("static", p, "s")
		}
	})
}
