package prefix

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"
)

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }

// matches formats a lookup as "site@prefix ...".
func matches(ms []Match) string {
	var b []string
	for _, m := range ms {
		b = append(b, m.Site+"@"+m.Prefix.String())
	}
	return strings.Join(b, " ")
}

func TestLookup(t *testing.T) {
	tb := New()
	for _, r := range []struct{ src, p, site string }{
		{"static", "10.0.0.0/8", "fra"},
		{"static", "10.1.0.0/16", "ams"},
		{"static", "10.1.2.0/24", "ams"},
		{"bgp:r1", "10.1.2.0/24", "ams"}, // a second source for the same route
		{"static", "10.1.2.0/24", "lon"}, // two sites tie on the same prefix
		{"bgp:r1", "10.1.2.128/25", "fra"},
		{"static", "0.0.0.0/0", "origin-site"},
		{"static", "2001:db8::/32", "fra"},
		{"static", "2001:db8:1::/48", "ams"},
		{"static", "2001:db8:1:2::1/128", "lon"},
		{"static", "::ffff:192.0.2.0/120", "ams"}, // mapped: stored as 192.0.2.0/24
	} {
		if !tb.Add(r.src, pfx(r.p), r.site) {
			t.Fatalf("Add %v not new", r)
		}
	}
	cases := []struct{ addr, want string }{
		{"10.1.2.3", "ams@10.1.2.0/24 lon@10.1.2.0/24 fra@10.0.0.0/8 origin-site@0.0.0.0/0"},
		{"10.1.2.200", "fra@10.1.2.128/25 ams@10.1.2.0/24 lon@10.1.2.0/24 origin-site@0.0.0.0/0"},
		{"10.1.9.9", "ams@10.1.0.0/16 fra@10.0.0.0/8 origin-site@0.0.0.0/0"},
		{"10.200.0.1", "fra@10.0.0.0/8 origin-site@0.0.0.0/0"},
		{"11.0.0.1", "origin-site@0.0.0.0/0"},
		{"::ffff:10.1.9.9", "ams@10.1.0.0/16 fra@10.0.0.0/8 origin-site@0.0.0.0/0"},
		{"192.0.2.7", "ams@192.0.2.0/24 origin-site@0.0.0.0/0"},
		{"2001:db8:1:2::1", "lon@2001:db8:1:2::1/128 ams@2001:db8:1::/48 fra@2001:db8::/32"},
		{"2001:db8:1:2::2", "ams@2001:db8:1::/48 fra@2001:db8::/32"},
		{"2001:db9::1", ""},
	}
	for _, c := range cases {
		if got := matches(tb.Lookup(netip.MustParseAddr(c.addr), nil)); got != c.want {
			t.Errorf("Lookup(%s) = %q, want %q", c.addr, got, c.want)
		}
	}
	if got := tb.Lookup(netip.Addr{}, nil); got != nil {
		t.Errorf("Lookup of no address: %v", got)
	}
	if v4, v6 := tb.Count(); v4 != 6 || v6 != 3 {
		t.Errorf("Count = %d, %d", v4, v6)
	}
	if c := tb.Claims(); c["static"] != 9 || c["bgp:r1"] != 2 {
		t.Errorf("Claims = %v", c)
	}
}

func TestWithdrawals(t *testing.T) {
	tb := New()
	tb.Add("static", pfx("10.0.0.0/8"), "fra")
	tb.Add("static", pfx("10.1.0.0/16"), "ams")
	tb.Add("bgp:r1", pfx("10.1.0.0/16"), "ams")
	tb.Add("bgp:r1", pfx("10.1.2.0/24"), "ams")
	at := func(a string) string { return matches(tb.Lookup(netip.MustParseAddr(a), nil)) }

	if tb.Add("bgp:r1", pfx("10.1.2.0/24"), "ams") {
		t.Error("a repeated claim is new")
	}
	if !tb.Remove("bgp:r1", pfx("10.1.2.0/24"), "ams") || at("10.1.2.3") != "ams@10.1.0.0/16 fra@10.0.0.0/8" {
		t.Errorf("after withdrawing the /24: %s", at("10.1.2.3"))
	}
	if tb.Remove("bgp:r1", pfx("10.1.2.0/24"), "ams") || tb.Remove("bgp:r9", pfx("10.1.0.0/16"), "ams") || tb.Remove("bgp:r1", pfx("10.1.0.0/16"), "fra") {
		t.Error("withdrawing what was not claimed succeeded")
	}
	// Two sources claim the /16: it stays until both withdraw.
	tb.Remove("bgp:r1", pfx("10.1.0.0/16"), "ams")
	if got := at("10.1.2.3"); got != "ams@10.1.0.0/16 fra@10.0.0.0/8" {
		t.Errorf("after one of two sources withdrew: %s", got)
	}
	tb.Remove("static", pfx("10.1.0.0/16"), "ams")
	if got := at("10.1.2.3"); got != "fra@10.0.0.0/8" {
		t.Errorf("after both withdrew: %s", got)
	}
	if !slices.Equal(tb.mu.v4.lens, []int{8}) {
		t.Errorf("unused lengths are still probed: %v", tb.mu.v4.lens)
	}
	// A reloaded file or a neighbor that went down replaces all its claims.
	tb.Add("bgp:r2", pfx("10.2.0.0/16"), "ams")
	tb.Add("bgp:r2", pfx("10.3.0.0/16"), "ams")
	if a, r := tb.ReplaceSource("bgp:r2", []Route{{pfx("10.3.0.0/16"), "ams"}, {pfx("10.4.0.0/16"), "lon"}}); a != 1 || r != 1 {
		t.Errorf("ReplaceSource added %d removed %d", a, r)
	}
	if got := at("10.2.0.1") + "|" + at("10.4.0.1"); got != "fra@10.0.0.0/8|lon@10.4.0.0/16 fra@10.0.0.0/8" {
		t.Errorf("after ReplaceSource: %s", got)
	}
	if _, r := tb.ReplaceSource("bgp:r2", nil); r != 2 || tb.Claims()["bgp:r2"] != 0 {
		t.Errorf("ReplaceSource(nil) removed %d, claims %v", r, tb.Claims())
	}
	if rs := tb.Routes(); len(rs) != 1 || rs[0].Prefix != pfx("10.0.0.0/8") || !slices.Equal(rs[0].Sources, []string{"static"}) {
		t.Errorf("Routes = %+v", rs)
	}
}

func TestLookupDoesNotAllocate(t *testing.T) {
	tb := New()
	for i := range 1000 {
		tb.Add("static", netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24), fmt.Sprintf("s%d", i%7))
	}
	tb.Add("static", pfx("10.0.0.0/8"), "all")
	var buf [8]Match
	a := netip.MustParseAddr("10.3.7.1")
	if n := testing.AllocsPerRun(100, func() { tb.Lookup(a, buf[:0]) }); n != 0 {
		t.Errorf("Lookup allocates %.0f times", n)
	}
}

func TestParse(t *testing.T) {
	ps, err := Parse([]byte("# ams customers\n10.1.0.0/16\n  192.0.2.1   # a host\n\n2001:db8::/32\n::1\n"))
	want := []netip.Prefix{pfx("10.1.0.0/16"), pfx("192.0.2.1/32"), pfx("2001:db8::/32"), pfx("::1/128")}
	if err != nil || !slices.Equal(ps, want) {
		t.Fatalf("Parse = %v, %v", ps, err)
	}
	for _, bad := range []string{"10.1.2.3/16", "10.0.0.0/33", "not-an-ip", "10.0.0.0/8 ams", "fe80::1%eth0", "2001:db8::1/32"} {
		_, err := Parse([]byte("10.0.0.0/8\n" + bad + "\n"))
		if err == nil || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("Parse(%q) = %v", bad, err)
		}
	}
	if _, err := Parse([]byte("10.1.2.3/16")); !strings.Contains(err.Error(), "did you mean 10.1.0.0/16") {
		t.Errorf("host bits: %v", err)
	}
}

func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{100, 10_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			tb := New()
			for i := range n {
				tb.Add("bgp", netip.PrefixFrom(netip.AddrFrom4([4]byte{10, byte(i >> 8), byte(i), 0}), 24), fmt.Sprintf("s%d", i%5))
				tb.Add("bgp", netip.PrefixFrom(netip.AddrFrom16([16]byte{0x20, 0x01, 0x0d, 0xb8, byte(i >> 8), byte(i)}), 48), fmt.Sprintf("s%d", i%5))
			}
			tb.Add("static", pfx("10.0.0.0/8"), "x")
			tb.Add("static", pfx("10.0.0.0/16"), "y")
			tb.Add("static", pfx("2001:db8::/32"), "x")
			v4, v6 := netip.MustParseAddr("10.0.7.1"), netip.MustParseAddr("2001:db8:0:7::1")
			var buf [8]Match
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				if i&1 == 0 {
					tb.Lookup(v4, buf[:0])
				} else {
					tb.Lookup(v6, buf[:0])
				}
			}
		})
	}
}
