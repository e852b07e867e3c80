// Package bytesize parses and prints byte counts the way operators write
// them: "256MiB", "4 MiB", "1.5GiB", "64k", "1048576". Binary (KiB, MiB,
// GiB, TiB) and decimal (kB, MB, GB, TB) units are both accepted; K, M, G,
// T without "i" or "B" are taken as binary, as in most tools operators use.
//
// Size implements pflag.Value, so a byte-count flag reads the same in
// flags and config files.
package bytesize

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Size is a count of bytes.
type Size int64

var units = map[string]float64{
	"": 1, "b": 1,
	"k": 1 << 10, "ki": 1 << 10, "kib": 1 << 10, "kb": 1e3,
	"m": 1 << 20, "mi": 1 << 20, "mib": 1 << 20, "mb": 1e6,
	"g": 1 << 30, "gi": 1 << 30, "gib": 1 << 30, "gb": 1e9,
	"t": 1 << 40, "ti": 1 << 40, "tib": 1 << 40, "tb": 1e12,
}

// Parse parses s as a byte count.
func Parse(s string) (Size, error) {
	t := strings.TrimSpace(s)
	i := strings.IndexFunc(t, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	num, unit := t, ""
	if i >= 0 {
		num, unit = t[:i], strings.ToLower(strings.TrimSpace(t[i:]))
	}
	mult, ok := units[unit]
	if num == "" || !ok {
		return 0, fmt.Errorf("bytesize: %q is not a byte count (e.g. 256MiB, 4GiB, 1048576)", s)
	}
	f, err := strconv.ParseFloat(num, 64)
	if err != nil {
		return 0, fmt.Errorf("bytesize: %q is not a byte count: %w", s, err)
	}
	v := f * mult
	if v >= math.MaxInt64 {
		return 0, errors.New("bytesize: " + strconv.Quote(s) + " is too large")
	}
	return Size(v), nil
}

// String prints the size in the largest binary unit that keeps it exact,
// so that Parse(s.String()) == s.
func (s Size) String() string {
	for _, u := range []struct {
		name string
		n    int64
	}{{"TiB", 1 << 40}, {"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if s != 0 && int64(s)%u.n == 0 {
			return strconv.FormatInt(int64(s)/u.n, 10) + u.name
		}
	}
	return strconv.FormatInt(int64(s), 10)
}

// Set implements pflag.Value.
func (s *Size) Set(v string) error {
	n, err := Parse(v)
	if err != nil {
		return err
	}
	*s = n
	return nil
}

// Type implements pflag.Value.
func (s *Size) Type() string { return "bytes" }
