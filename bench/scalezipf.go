package bench

import (
	"math"
	"math/rand/v2"
)

// zipfKeys draws object indexes in [0, n) with Zipf(α = 1) popularity
// (VoD catalogues measure α between 0.6 and 1.2; the offload target is
// set at 1.0)
// in constant memory (internal/zipf keeps a CDF of n floats, 160 MB at
// 20 M, which would swell the memory the bench measures). It uses the
// continuous form of Zipf(1): P(rank ≤ k) = ln(k+1) / ln(n+1), so a
// rank is (n+1)^u − 1 for u uniform in [0, 1). Ranks are scattered
// over the key space by a multiplication modulo n with a prime that
// does not divide it, a bijection: the hot objects are not neighbours
// in key order (and so not in the same index blocks), as popular
// titles are not.
type zipfKeys struct {
	n    uint64
	logN float64 // ln(n+1)
	mult uint64
}

func newZipfKeys(n int) *zipfKeys {
	z := &zipfKeys{n: uint64(n), logN: math.Log(float64(n) + 1)}
	for _, p := range []uint64{2654435761, 2246822519, 3266489917} {
		if uint64(n)%p != 0 {
			z.mult = p % uint64(n)
			break
		}
	}
	if z.mult == 0 { // n is a multiple of all three primes: an unscattered, still Zipf, order
		z.mult = 1
	}
	return z
}

// draw returns an object index; rank 0 (the most popular) is drawn most.
func (z *zipfKeys) draw(r *rand.Rand) int {
	rank := uint64(math.Exp(r.Float64()*z.logN)) - 1
	rank = min(rank, z.n-1)
	return int(rank * z.mult % z.n)
}
