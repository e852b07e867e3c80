package origin

import (
	"fmt"
	"testing"
)

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in   string
		want contentRange
		ok   bool
	}{
		{"bytes 0-99/1000", contentRange{0, 99, 1000}, true},
		{"bytes 999-999/1000", contentRange{999, 999, 1000}, true},
		{"bytes 0-0/*", contentRange{0, 0, -1}, true},
		{"bytes */1000", contentRange{-1, -1, 1000}, true},
		{"bytes */0", contentRange{-1, -1, 0}, true},
		{"BYTES 1-2/3", contentRange{1, 2, 3}, true},
		{"  bytes  1-2/3 ", contentRange{1, 2, 3}, true},
		{"bytes 0-9223372036854775806/9223372036854775807", contentRange{0, 1<<63 - 2, 1<<63 - 1}, true},
		{"", contentRange{}, false},
		{"bytes", contentRange{}, false},
		{"bytes ", contentRange{}, false},
		{"bytes=0-1/2", contentRange{}, false},
		{"items 0-1/2", contentRange{}, false},
		{"bytes 0-99", contentRange{}, false},
		{"bytes 0-99/", contentRange{}, false},
		{"bytes -1-2/3", contentRange{}, false},
		{"bytes +1-2/3", contentRange{}, false},
		{"bytes 1-+2/3", contentRange{}, false},
		{"bytes 2-1/3", contentRange{}, false},
		{"bytes 0-3/3", contentRange{}, false},
		{"bytes 0-1/-3", contentRange{}, false},
		{"bytes */*", contentRange{}, false},
		{"bytes 1 - 2/3", contentRange{}, false},
		{"bytes 0-1/99999999999999999999", contentRange{}, false},
		{"bytes 0x1-2/3", contentRange{}, false},
		{"bytes 0-1/2/3", contentRange{}, false},
		{"bytes\t0-1/2", contentRange{}, false},
	}
	for _, tc := range tests {
		got, err := parseContentRange(tc.in)
		if tc.ok && (err != nil || got != tc.want) {
			t.Errorf("parseContentRange(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
		if !tc.ok && err == nil {
			t.Errorf("parseContentRange(%q) = %+v, want an error", tc.in, got)
		}
		if !tc.ok && err != nil {
			wantErr(t, err, ErrBadResponse)
		}
	}
}

// FuzzParseContentRange checks that the parser never panics, that what it
// accepts is self-consistent, and that it round-trips through the canonical
// form.
func FuzzParseContentRange(f *testing.F) {
	for _, s := range []string{"bytes 0-99/1000", "bytes */5", "bytes 1-2/*", "bytes 0-0/0", "bytes x", "BYTES 9-9/10"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cr, err := parseContentRange(s)
		if err != nil {
			return
		}
		var canon string
		switch {
		case cr.First < 0:
			if cr.Last != -1 || cr.Size < 0 {
				t.Fatalf("%q: unsatisfied form %+v", s, cr)
			}
			canon = fmt.Sprintf("bytes */%d", cr.Size)
		case cr.First > cr.Last || (cr.Size >= 0 && cr.Last >= cr.Size):
			t.Fatalf("%q: inconsistent %+v", s, cr)
		case cr.Size < 0:
			canon = fmt.Sprintf("bytes %d-%d/*", cr.First, cr.Last)
		default:
			canon = fmt.Sprintf("bytes %d-%d/%d", cr.First, cr.Last, cr.Size)
		}
		if again, err := parseContentRange(canon); err != nil || again != cr {
			t.Fatalf("%q → %+v → %q → %+v, %v", s, cr, canon, again, err)
		}
	})
}
