package bytesize

import "testing"

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Size
		bad  bool
	}{
		{in: "0", want: 0},
		{in: "1048576", want: 1 << 20},
		{in: "256MiB", want: 256 << 20},
		{in: "256 MiB", want: 256 << 20},
		{in: "4M", want: 4 << 20},
		{in: "64k", want: 64 << 10},
		{in: "1.5GiB", want: 3 << 29},
		{in: "2GB", want: 2e9},
		{in: "1TiB", want: 1 << 40},
		{in: "", bad: true},
		{in: "MiB", bad: true},
		{in: "12 parsecs", bad: true},
		{in: "-5MiB", bad: true},
		{in: "1.2.3MiB", bad: true},
		{in: "99999999999TiB", bad: true},
	} {
		got, err := Parse(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("Parse(%q) = %d, want error", tc.in, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %d, %v; want %d", tc.in, got, err, tc.want)
		}
	}
}

func TestStringRoundTrips(t *testing.T) {
	for _, s := range []Size{0, 1, 1000, 1 << 10, 256 << 20, 3 << 29, 5 << 40, 1<<20 + 1} {
		back, err := Parse(s.String())
		if err != nil || back != s {
			t.Errorf("%d -> %q -> %d, %v", s, s.String(), back, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"256MiB", "1.5 GiB", "7", "k", "1e9"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		v, err := Parse(s)
		if err == nil && v < 0 {
			t.Fatalf("Parse(%q) = %d < 0", s, v)
		}
	})
}
