package bgp

import "testing"

// FuzzParseCommunity: a community that parses formats back to a string
// that parses to the same value.
func FuzzParseCommunity(f *testing.F) {
	for _, s := range []string{"65000:100", "0:0", "65535:65535", "65536:1", "1:", ":1", "a:b", "1:2:3", "+1:2", "0x10:1"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseCommunity(s)
		if err != nil {
			return
		}
		if again, err := ParseCommunity(FormatCommunity(c)); err != nil || again != c {
			t.Fatalf("%q -> %d -> %q -> %d, %v", s, c, FormatCommunity(c), again, err)
		}
	})
}
