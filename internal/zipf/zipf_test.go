package zipf

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestShape draws a million ranks and checks the Zipf shape: the
// frequency of rank k falls as k^-α (the slope of log frequency against
// log rank over the head), and the head mass matches the CDF.
func TestShape(t *testing.T) {
	for _, alpha := range []float64{0.8, 1.0, 1.2} {
		d, err := New(1000, alpha)
		if err != nil {
			t.Fatal(err)
		}
		r := rand.New(rand.NewPCG(1, 2))
		const draws = 1_000_000
		count := make([]int, d.N())
		for range draws {
			count[d.Draw(r)]++
		}
		slope := logLogSlope(count[:50])
		t.Logf("alpha=%.1f: fitted slope %.3f, rank1 %.4f (want %.4f), top-10 share %.3f (want %.3f)",
			alpha, slope, float64(count[0])/draws, d.P(0), share(count[:10], draws), d.Head(10))
		if math.Abs(-slope-alpha) > 0.05 {
			t.Errorf("alpha=%.1f: log-log slope %.3f, want %.3f ± 0.05", alpha, slope, -alpha)
		}
		if math.Abs(share(count[:10], draws)-d.Head(10)) > 0.005 {
			t.Errorf("alpha=%.1f: top-10 share %.4f, want %.4f", alpha, share(count[:10], draws), d.Head(10))
		}
	}
}

func share(c []int, total int) float64 {
	n := 0
	for _, x := range c {
		n += x
	}
	return float64(n) / float64(total)
}

// logLogSlope is the least-squares slope of log(count) against log(rank).
func logLogSlope(count []int) float64 {
	var sx, sy, sxx, sxy float64
	n := float64(len(count))
	for k, c := range count {
		x, y := math.Log(float64(k+1)), math.Log(float64(c))
		sx, sy, sxx, sxy = sx+x, sy+y, sxx+x*x, sxy+x*y
	}
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

func TestDeterministic(t *testing.T) {
	d, _ := New(100, 0.9)
	a, b := rand.New(rand.NewPCG(7, 7)), rand.New(rand.NewPCG(7, 7))
	for i := range 1000 {
		if x, y := d.Draw(a), d.Draw(b); x != y {
			t.Fatalf("draw %d: %d != %d with the same seed", i, x, y)
		}
	}
}

func TestBadConfig(t *testing.T) {
	for _, tc := range []struct {
		n     int
		alpha float64
	}{{0, 1}, {10, 0}, {10, -1}, {10, math.NaN()}, {10, 11}} {
		if _, err := New(tc.n, tc.alpha); err == nil {
			t.Errorf("New(%d, %v) accepted", tc.n, tc.alpha)
		}
	}
}
