package thumbs

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Pick is a chosen moment of the title and why.
type Pick struct {
	// Time (poster) or start (clip) in seconds; Length is the clip's.
	Time   float64 `json:"time"`
	Length float64 `json:"length,omitempty"`
	Score  float64 `json:"score"`
	Reason string  `json:"reason"`
}

// PickPoster chooses the poster's frame among frames (sorted by time)
// of a title dur seconds long.
func (r Rules) PickPoster(frames []Frame, dur float64) (Pick, error) {
	if len(frames) == 0 {
		return Pick{}, ErrNoPicture
	}
	lo, hi := 0.05*dur, 0.90*dur
	rejected := map[string]int{}
	best, bestScore := -1, -1.0
	for i, f := range frames {
		if f.Time < lo || f.Time > hi {
			continue
		}
		if why := r.reject(frames, i); why != "" {
			rejected[why]++
			continue
		}
		if s := posterScore(f); s > bestScore {
			best, bestScore = i, s
		}
	}
	if best >= 0 {
		return Pick{Time: frames[best].Time, Score: round3(bestScore), Reason: describe(frames[best], rejected)}, nil
	}
	return r.fallback(frames, rejected), nil
}

// reject names the rule frame i breaks, or "".
func (r Rules) reject(frames []Frame, i int) string {
	f := frames[i]
	switch {
	case f.Luma < r.BlackLuma:
		return "black"
	case r.nearCut(frames, i):
		return "near a cut"
	case f.Entropy < r.MinEntropy:
		return "low detail"
	}
	return ""
}

// nearCut reports whether a cut lies within CutGuard of frame i. A
// sample's score compares it with the one before, so a cut at sample j
// separates j-1 from j.
func (r Rules) nearCut(frames []Frame, i int) bool {
	guard := r.CutGuard.Seconds()
	for j := i; j >= 0 && frames[i].Time-frames[j].Time <= guard; j-- {
		if frames[j].Scene >= r.CutScore {
			return true
		}
	}
	for j := i + 1; j < len(frames) && frames[j].Time-frames[i].Time <= guard; j++ {
		if frames[j].Scene >= r.CutScore {
			return true
		}
	}
	return false
}

// posterScore favours detail, then colour, then a mid exposure: 0–1.
func posterScore(f Frame) float64 {
	exposure := 1 - math.Min(1, math.Abs(f.Luma-128)/112)
	return 0.6*clamp01(f.Entropy) + 0.25*clamp01(f.Sat/64) + 0.15*exposure
}

// fallback takes the best-scoring non-black frame anywhere (or the
// first frame) when no candidate passed every rule.
func (r Rules) fallback(frames []Frame, rejected map[string]int) Pick {
	best, bestScore := 0, -1.0
	for i, f := range frames {
		s := posterScore(f)
		if f.Luma < r.BlackLuma {
			s -= 1
		}
		if s > bestScore {
			best, bestScore = i, s
		}
	}
	return Pick{Time: frames[best].Time, Score: round3(math.Max(0, bestScore)),
		Reason: "no candidate passed every rule; best of the rest. " + describe(frames[best], rejected)}
}

func describe(f Frame, rejected map[string]int) string {
	s := fmt.Sprintf("entropy %.2f, saturation %.0f, luma %.0f", f.Entropy, f.Sat, f.Luma)
	if len(rejected) == 0 {
		return s
	}
	var parts []string
	for why, n := range rejected {
		parts = append(parts, fmt.Sprintf("%d %s", n, why))
	}
	sort.Strings(parts)
	return s + "; rejected: " + strings.Join(parts, ", ")
}

// PickClip chooses where a preview of length seconds starts: the window
// with the highest mean frame difference and no black frame, kept away
// from the first 10 % and the last 15 % (credits) when the title is long
// enough for that.
func (r Rules) PickClip(frames []Frame, dur, length float64) Pick {
	if dur <= length || len(frames) == 0 {
		return Pick{Time: 0, Length: math.Max(0, math.Min(dur, length)), Reason: "the title is shorter than a preview"}
	}
	lo, hi := 0.10*dur, 0.85*dur
	if hi-lo < length {
		lo, hi = 0, dur
	}
	if p, ok := r.liveliest(frames, lo, hi, length, true); ok {
		return p
	}
	p, _ := r.liveliest(frames, 0, dur, length, false)
	p.Reason = "every window had black; " + p.Reason
	return p
}

// liveliest scans windows starting at each frame in [lo, hi-length].
func (r Rules) liveliest(frames []Frame, lo, hi, length float64, noBlack bool) (Pick, bool) {
	best := Pick{Time: lo, Length: length, Score: -1}
	for i, f := range frames {
		if f.Time < lo || f.Time+length > hi {
			continue
		}
		sum, n, black := 0.0, 0, false
		for j := i; j < len(frames) && frames[j].Time < f.Time+length; j++ {
			sum, n = sum+frames[j].Diff, n+1
			black = black || frames[j].Luma < r.BlackLuma
		}
		if (noBlack && black) || n == 0 {
			continue
		}
		if s := sum / float64(n); s > best.Score {
			best = Pick{Time: f.Time, Length: length, Score: round3(s),
				Reason: fmt.Sprintf("mean frame difference %.1f over %d samples", s, n)}
		}
	}
	return best, best.Score >= 0
}

func clamp01(v float64) float64 { return math.Max(0, math.Min(1, v)) }

func round3(v float64) float64 { return math.Round(v*1000) / 1000 }
