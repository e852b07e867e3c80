// Package zipf draws ranks with Zipf(α) popularity: rank k (0-based) has
// probability proportional to 1/(k+1)^α. Unlike math/rand's Zipf, any
// α > 0 is allowed (VoD catalogues measure α between 0.6 and 1.2), and
// the draw is a binary search in a precomputed CDF, driven by the caller's
// *rand.Rand so that a seed fixes every draw.
//
// Imports: standard library only.
package zipf

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
)

// Dist is a Zipf distribution over n ranks. It is immutable and safe for
// concurrent use; each caller brings its own *rand.Rand.
type Dist struct {
	alpha float64
	cdf   []float64 // cdf[k] = P(rank ≤ k)
}

// New returns Zipf(alpha) over n ranks.
func New(n int, alpha float64) (*Dist, error) {
	if n < 1 {
		return nil, fmt.Errorf("zipf: need at least one rank, got %d", n)
	}
	if !(alpha > 0 && alpha < 10) {
		return nil, fmt.Errorf("zipf: alpha must be within (0, 10), got %v", alpha)
	}
	d := &Dist{alpha: alpha, cdf: make([]float64, n)}
	sum := 0.0
	for k := range n {
		sum += math.Pow(float64(k+1), -alpha)
		d.cdf[k] = sum
	}
	for k := range d.cdf {
		d.cdf[k] /= sum
	}
	d.cdf[n-1] = 1
	return d, nil
}

// N returns the number of ranks.
func (d *Dist) N() int { return len(d.cdf) }

// Alpha returns the exponent.
func (d *Dist) Alpha() float64 { return d.alpha }

// Draw returns a rank in [0, N).
func (d *Dist) Draw(r *rand.Rand) int {
	return sort.SearchFloat64s(d.cdf, r.Float64())
}

// P returns the probability of rank k.
func (d *Dist) P(k int) float64 {
	if k < 0 || k >= len(d.cdf) {
		return 0
	}
	if k == 0 {
		return d.cdf[0]
	}
	return d.cdf[k] - d.cdf[k-1]
}

// Head returns the probability mass of the first k ranks: the request
// share the k most popular objects draw.
func (d *Dist) Head(k int) float64 {
	if k <= 0 {
		return 0
	}
	return d.cdf[min(k, len(d.cdf))-1]
}
