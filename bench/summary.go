package bench

import "slices"

// Summary is the spread of one figure over the rounds: the median, which
// a single disturbed round does not move, with the range around it.
type Summary struct {
	Median float64 `json:"median"`
	Min    float64 `json:"min"`
	Max    float64 `json:"max"`
	N      int     `json:"n"`
}

// summarize returns the summary of xs; the zero Summary for none.
func summarize(xs []float64) Summary {
	if len(xs) == 0 {
		return Summary{}
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	med := s[n/2]
	if n%2 == 0 {
		med = (s[n/2-1] + s[n/2]) / 2
	}
	return Summary{Median: med, Min: s[0], Max: s[n-1], N: n}
}

// ratio returns a/b, or 0 when b is 0 (no figure).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
