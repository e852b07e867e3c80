package cluster

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// bitUnits are the SI multipliers ParseBitRate accepts, longest first.
var bitUnits = []struct {
	suffix string
	mult   float64
}{
	{"tbit", 1e12}, {"gbit", 1e9}, {"mbit", 1e6}, {"kbit", 1e3},
	{"tbps", 1e12}, {"gbps", 1e9}, {"mbps", 1e6}, {"kbps", 1e3},
	{"bps", 1}, {"bit", 1},
	{"t", 1e12}, {"g", 1e9}, {"m", 1e6}, {"k", 1e3},
}

// ParseBitRate parses a bit rate such as "10Gbit", "400Mbps", "1.5G",
// "2.5Gbit/s" or a plain number of bits per second. Units are SI (k =
// 1000) and case-insensitive; bytes are not accepted.
func ParseBitRate(s string) (uint64, error) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.TrimSuffix(t, "/s")
	mult := 1.0
	for _, u := range bitUnits {
		if rest, ok := strings.CutSuffix(t, u.suffix); ok {
			t, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" || strings.ContainsAny(t, "+-_xXpPiInN") {
		return 0, fmt.Errorf("bit rate %q: want a number with an optional unit, like 10Gbit or 400Mbit", clip(s))
	}
	bps := v * mult
	if bps < 0 || bps >= math.MaxUint64/2 || math.IsNaN(bps) {
		return 0, fmt.Errorf("bit rate %q is out of range", clip(s))
	}
	return uint64(bps), nil
}

// FormatBitRate prints bits/s with an SI unit: "10Gbit/s", "1.5Mbit/s".
func FormatBitRate(bps uint64) string {
	v := float64(bps)
	for _, u := range []struct {
		name string
		mult float64
	}{{"T", 1e12}, {"G", 1e9}, {"M", 1e6}, {"k", 1e3}} {
		if v >= u.mult {
			return strconv.FormatFloat(math.Round(v/u.mult*10)/10, 'f', -1, 64) + u.name + "bit/s"
		}
	}
	return strconv.FormatUint(bps, 10) + "bit/s"
}
