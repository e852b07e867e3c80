package bench

import (
	"math/bits"
	"time"
)

// latencyHist counts durations in log-linear buckets: 16 per power of
// two, so a quantile is known to within 6.25 % (reported as its bucket's
// upper bound), at a fixed size (no
// allocation per response, which would put the client's GC on its CPU).
type latencyHist struct {
	n      int64
	counts [61 * histSub]int64 // [0, 16) ns exactly, then 16 a power of two up to 2^63
}

const histSub = 16

func histBucket(d time.Duration) int {
	ns := uint64(max(d, 1))
	e := bits.Len64(ns) - 1 // ns is in [2^e, 2^(e+1))
	if e < 4 {
		return int(ns) // exact below 16 ns
	}
	return (e-3)*histSub + int(ns>>(e-4))&(histSub-1)
}

// histUpper is the largest duration bucket b holds.
func histUpper(b int) time.Duration {
	if b < histSub {
		return time.Duration(b)
	}
	e, m := b/histSub+3, uint64(b%histSub)
	return time.Duration((uint64(histSub)+m+1)<<(e-4) - 1)
}

func (h *latencyHist) add(d time.Duration) {
	h.counts[histBucket(d)]++
	h.n++
}

func (h *latencyHist) merge(o *latencyHist) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// quantile is the upper bound of the bucket holding the q-quantile; 0
// with nothing counted.
func (h *latencyHist) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := int64(q*float64(h.n) + 0.5)
	rank = min(max(rank, 1), h.n)
	var seen int64
	for b, c := range h.counts {
		if seen += c; seen >= rank {
			return histUpper(b)
		}
	}
	return histUpper(len(h.counts) - 1)
}
