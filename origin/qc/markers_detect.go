package qc

// Playback markers from black frames, silence and cut rhythm (the
// heuristic; each marker carries a confidence in 0..1):
//
//   - A gap is where a black stretch and a silent stretch overlap for
//     at least minGap: the break between a title sequence and the
//     episode, or before the end credits. Without audio, a black
//     stretch alone, and every confidence is 0.2 lower.
//   - Intro ("skip intro"): the first gap that starts after introMin
//     and within the first third of the title (and its first
//     introMaxSec); the intro runs from the end of an earlier gap (a
//     cold open) or 0 to the end of that gap. Confidence 0.6, plus 0.3
//     when the intro cuts at least 1.5× as often as the rest (title
//     sequences are cut fast).
//   - Credits ("next episode"): the end of the last gap in the final
//     40 % of the title, or, without one, the start of a black stretch
//     of at least creditsMinSec that runs to the end (credits on
//     black). Confidence 0.5, plus 0.25 when the picture is dark from
//     there to the end, plus 0.15 when it cuts at most half as often
//     as the body.

const (
	minGap        = 0.2
	introMin      = 1.0
	introMaxSec   = 600.0
	creditsShare  = 0.4
	creditsMinSec = 2.0
	endSlack      = 1.0
)

// DetectedMarkers are the markers found on a source; a nil one was not
// found.
type DetectedMarkers struct {
	Intro   *DetectedMarker
	Credits *DetectedMarker
	Cuts    int
}

// DetectedMarker is a span (End is the title's end for credits).
type DetectedMarker struct {
	Start, End, Confidence float64
}

// detectMarkers applies the heuristic to a source of total seconds.
// Without audio (hasAudio false) the black stretches alone are the
// gaps, and each confidence is noAudioPenalty lower.
func detectMarkers(black, silence []Interval, cuts []float64, total float64, hasAudio bool) DetectedMarkers {
	gaps := overlaps(black, silence)
	if !hasAudio {
		gaps = longEnough(black)
	}
	m := DetectedMarkers{Cuts: len(cuts)}
	m.Intro = intro(gaps, cuts, total)
	m.Credits = credits(gaps, black, cuts, total)
	if m.Intro != nil && m.Credits != nil && m.Credits.Start < m.Intro.End {
		m.Credits = nil // one gap cannot be both
	}
	for _, k := range []*DetectedMarker{m.Intro, m.Credits} {
		if k != nil && !hasAudio {
			k.Confidence = max(0.1, k.Confidence-noAudioPenalty)
		}
	}
	return m
}

const noAudioPenalty = 0.2

func longEnough(list []Interval) []Interval {
	var out []Interval
	for _, iv := range list {
		if iv.End-iv.Start >= minGap {
			out = append(out, iv)
		}
	}
	return out
}

// overlaps intersects two lists of stretches, each sorted and
// non-overlapping (as the detectors report them).
func overlaps(a, b []Interval) []Interval {
	var out []Interval
	for i, j := 0, 0; i < len(a) && j < len(b); {
		s, e := max(a[i].Start, b[j].Start), min(a[i].End, b[j].End)
		if e-s >= minGap {
			out = append(out, Interval{Start: s, End: e})
		}
		if a[i].End < b[j].End {
			i++
		} else {
			j++
		}
	}
	return out
}

func intro(gaps []Interval, cuts []float64, total float64) *DetectedMarker {
	start := 0.0
	for _, g := range gaps {
		if g.Start > min(total/3, introMaxSec) {
			return nil
		}
		if g.Start < introMin {
			start = g.End // a gap at the very start: the intro follows it
			continue
		}
		conf := 0.6
		if rate(cuts, start, g.Start) >= 1.5*rate(cuts, g.End, total) && rate(cuts, start, g.Start) > 0 {
			conf += 0.3
		}
		return &DetectedMarker{Start: start, End: g.End, Confidence: conf}
	}
	return nil
}

func credits(gaps, black []Interval, cuts []float64, total float64) *DetectedMarker {
	from := total * (1 - creditsShare)
	var c *DetectedMarker
	for _, g := range gaps {
		if g.Start >= from && g.End < total-endSlack {
			c = &DetectedMarker{Start: g.End, End: total, Confidence: 0.5}
		}
	}
	dark := trailingDark(black, total)
	if c == nil && dark != nil && dark.Start >= from {
		c = &DetectedMarker{Start: dark.Start, End: total, Confidence: 0.5}
	}
	if c == nil {
		return nil
	}
	if dark != nil && dark.Start <= c.Start+endSlack {
		c.Confidence += 0.25
	}
	body := rate(cuts, 0, c.Start)
	if rate(cuts, c.Start, total) <= body/2 {
		c.Confidence += 0.15
	}
	return c
}

// trailingDark is the black stretch that runs to the end, if long
// enough.
func trailingDark(black []Interval, total float64) *Interval {
	for _, b := range black {
		if b.End >= total-endSlack && b.End-b.Start >= creditsMinSec {
			return &b
		}
	}
	return nil
}

// rate is cuts per second over [from, to).
func rate(cuts []float64, from, to float64) float64 {
	if to <= from {
		return 0
	}
	n := 0
	for _, c := range cuts {
		if c >= from && c < to {
			n++
		}
	}
	return float64(n) / (to - from)
}
