package main

import (
	"math"
	"testing"
)

func TestParseClock(t *testing.T) {
	for _, c := range []struct {
		in   string
		want float64
	}{
		{"0", 0}, {"62.5", 62.5}, {" 7 ", 7}, {".5", 0.5}, {"1:02", 62}, {"1:02.5", 62.5},
		{"90:00", 5400}, {"0:21:50", 1310}, {"1:00:00.25", 3600.25}, {"00:00:00.000", 0},
	} {
		if got, err := parseClock(c.in); err != nil || got != c.want {
			t.Errorf("parseClock(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
	}
	for _, in := range []string{"", ":", "1:", ":30", "1:60", "1:00:60", "1:60:00", "1:2:3:4", "-1", "1e3", "NaN", "Inf",
		"0x10", "1.2.3", "1.5:00", "+3", "1_000", "99999999"} {
		if got, err := parseClock(in); err == nil {
			t.Errorf("parseClock(%q) = %v, want an error", in, got)
		}
	}
}

func TestParseSpan(t *testing.T) {
	if a, b, err := parseSpan("0:05-1:02.5"); err != nil || a != 5 || b != 62.5 {
		t.Errorf("parseSpan: %v %v %v", a, b, err)
	}
	for _, in := range []string{"5", "5-5", "6-5", "-5", "5-", "a-b", "1-2-3"} {
		if _, _, err := parseSpan(in); err == nil {
			t.Errorf("parseSpan(%q): no error", in)
		}
	}
}

func TestFormatClock(t *testing.T) {
	for in, want := range map[float64]string{0: "0:00.000", 62.5: "1:02.500", 1310: "21:50.000", 3600.25: "1:00:00.250"} {
		if got := formatClock(in); got != want {
			t.Errorf("formatClock(%v) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseClock: a time that parses is finite, in range and reads back
// the same from its printed form (to the millisecond).
func FuzzParseClock(f *testing.F) {
	for _, s := range []string{"62.5", "1:02.5", "0:21:50", "1:60", "NaN", "1e400", "-1", "1:2:3:4", "0-1:30"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if a, b, err := parseSpan(s); err == nil && !(b > a) {
			t.Fatalf("parseSpan(%q) = %v, %v", s, a, b)
		}
		v, err := parseClock(s)
		if err != nil {
			return
		}
		if math.IsNaN(v) || v < 0 || v > maxClock {
			t.Fatalf("parseClock(%q) = %v", s, v)
		}
		again, err := parseClock(formatClock(v))
		if err != nil || math.Abs(again-v) > 0.0005 {
			t.Fatalf("%q → %v → %q → %v, %v", s, v, formatClock(v), again, err)
		}
	})
}
