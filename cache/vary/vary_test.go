package vary

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in    []string
		names []string
		star  bool
	}{
		{nil, nil, false},
		{[]string{"accept-encoding"}, []string{"Accept-Encoding"}, false},
		{[]string{"Origin, Accept-Encoding", " accept-encoding ,, X-Device"}, []string{"Accept-Encoding", "Origin", "X-Device"}, false},
		{[]string{"Accept-Encoding, *"}, nil, true},
		{[]string{"bad name, (x), Accept"}, []string{"Accept"}, false},
		{[]string{strings.Repeat("a,b,c,d,e,f,g,h,i,j,k,l,m,n,o,p,", 1) + "q"}, nil, true},
	} {
		names, star := Parse(tc.in)
		if !reflect.DeepEqual(names, tc.names) || star != tc.star {
			t.Errorf("Parse(%q) = %q %v, want %q %v", tc.in, names, star, tc.names, tc.star)
		}
	}
}

func TestKeyNormalizes(t *testing.T) {
	names := []string{"Accept-Encoding", "X-Device"}
	key := func(h map[string][]string) string {
		return Key(names, func(n string) []string { return h[n] })
	}
	base := key(map[string][]string{"Accept-Encoding": {"gzip, br"}, "X-Device": {"TV"}})
	same := []map[string][]string{
		{"Accept-Encoding": {"GZIP,br"}, "X-Device": {"TV"}},
		{"Accept-Encoding": {" gzip ", "br"}, "X-Device": {"TV"}},
		{"Accept-Encoding": {"gzip,,  br"}, "X-Device": {"TV"}},
	}
	for _, h := range same {
		if k := key(h); k != base {
			t.Errorf("%v: key %s, want %s", h, k, base)
		}
	}
	differ := []map[string][]string{
		{"Accept-Encoding": {"br, gzip"}, "X-Device": {"TV"}},
		{"Accept-Encoding": {"gzip, br"}, "X-Device": {"tv"}},
		{"Accept-Encoding": {"gzip, br"}},
		{"Accept-Encoding": {"gzip, br"}, "X-Device": {""}},
	}
	seen := map[string]bool{base: true}
	for _, h := range differ {
		k := key(h)
		if seen[k] {
			t.Errorf("%v: key %s collides", h, k)
		}
		seen[k] = true
	}
	if len(base) != 32 {
		t.Fatalf("key %q is not 128 bits of hex", base)
	}
}

func FuzzParse(f *testing.F) {
	f.Add("Accept-Encoding, Origin", "gzip")
	f.Add("*", "")
	f.Add(",,\t,", "a  b\tc")
	f.Fuzz(func(t *testing.T, vary, value string) {
		names, star := Parse([]string{vary})
		if star && names != nil {
			t.Fatal("star with names")
		}
		if len(names) > MaxNames {
			t.Fatalf("%d names", len(names))
		}
		for i, n := range names {
			if !validName(n) || (i > 0 && names[i-1] >= n) {
				t.Fatalf("Parse(%q): bad or unsorted name %q in %q", vary, n, names)
			}
		}
		k1 := Key(names, func(string) []string { return []string{value} })
		if n, ok := Normalize("X", []string{value}); ok {
			if n2, _ := Normalize("X", []string{n}); n2 != n {
				t.Fatalf("Normalize not idempotent: %q → %q → %q", value, n, n2)
			}
		}
		if len(k1) != 32 {
			t.Fatal(fmt.Sprint("key length ", len(k1)))
		}
	})
}
