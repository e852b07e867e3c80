package peer

import (
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	a, b := NewAuth([]byte("0123456789abcdef")), NewAuth([]byte("fedcba9876543210"))
	if !a.Check([]byte(a.Header())) || a.Check([]byte(b.Header())) || a.Check(nil) || a.Check([]byte(a.Header()+"x")) {
		t.Fatal("peer credential check")
	}
	if strings.Contains(a.Header(), "0123456789abcdef") || !strings.HasPrefix(a.Header(), "Bearer ") {
		t.Fatalf("header %q", a.Header())
	}
	if (Auth{}).Check(nil) || (Auth{}).Check([]byte("")) {
		t.Fatal("the zero Auth accepts")
	}
}

func TestParseContentRange(t *testing.T) {
	for in, want := range map[string]contentRange{
		"bytes 0-99/1000": {0, 99, 1000},
		" bytes 5-5/6 ":   {5, 5, 6},
		"bytes 0-0/1":     {0, 0, 1},
	} {
		if got, ok := parseContentRange(in); !ok || got != want {
			t.Errorf("%q: %+v %v", in, got, ok)
		}
	}
	for _, in := range []string{"", "bytes */1000", "bytes 0-99/*", "bytes 5-4/10", "bytes 0-10/10", "bytes -1-5/10",
		"bytes +1-5/10", "items 0-1/2", "bytes 0-99999999999999999999/1", "bytes 0 -1/2"} {
		if got, ok := parseContentRange(in); ok {
			t.Errorf("%q accepted: %+v", in, got)
		}
	}
}

func FuzzParseContentRange(f *testing.F) {
	f.Add("bytes 0-99/1000")
	f.Add("bytes */5")
	f.Fuzz(func(t *testing.T, s string) {
		cr, ok := parseContentRange(s)
		if ok && (cr.first < 0 || cr.first > cr.last || cr.last >= cr.size) {
			t.Fatalf("%q: %+v", s, cr)
		}
	})
}
