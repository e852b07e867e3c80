package qc

import "math"

// The photosensitivity analysis, as measured here (the operational
// definition behind the Flashes scanner):
//
//   - The picture is decoded at a constant frame rate and scaled down
//     to flashW×flashH cells (area averaging), so a cell is an equal
//     share of the screen.
//   - Each cell's relative luminance is L = 0.2126 R + 0.7152 G +
//     0.0722 B on linearized sRGB values (0..1).
//   - A cell makes a luminance transition when L moves at least 0.1
//     (10 % of the maximum) away from its last turning point, against
//     the direction of its previous transition, and the darker of the
//     two states is below 0.8. Movement in the same direction moves
//     the turning point, so a slow fade makes one transition, not many.
//   - A cell makes a red transition when its red value
//     Q = max(0, (R − G − B) × 320) moves more than 20 the same way and
//     the redder state is saturated red (R / (R + G + B) ≥ 0.8).
//   - A frame is a screen transition (general or red) when the cells
//     that made one in one direction, in that frame and the frames of
//     the last 1/15 s, cover at least Area of the screen (default a
//     quarter), and it opposes the previous screen transition (so the
//     cells of one change crossing the step a frame apart, or half the
//     screen changing a frame after the other half, count once).
//   - A flash is a pair of opposing transitions. Any one-second window
//     with more than 2 × MaxPerSecond transitions (default: more than
//     three flashes) is a violation; overlapping or touching violating
//     windows make one reported stretch.

const (
	flashW, flashH = 64, 36
	flashCells     = flashW * flashH
	lumaStep       = 0.1
	lumaDarkBelow  = 0.8
	redStep        = 20
	redSaturated   = 0.8
)

// srgbLinear maps an 8-bit sRGB value to its linear intensity.
var srgbLinear = func() (t [256]float32) {
	for i := range t {
		c := float64(i) / 255
		if c <= 0.04045 {
			t[i] = float32(c / 12.92)
		} else {
			t[i] = float32(math.Pow((c+0.055)/1.055, 2.4))
		}
	}
	return t
}()

// swing follows one cell's value and counts its transitions: a move of
// at least step against the previous transition's direction, from the
// last turning point, where the end that must qualify (the darker one
// for luminance, the redder one for red) does.
type swing struct {
	pivot, lo, hi       float32
	pivotOK, loOK, hiOK bool
	last                int8 // +1 after a rise, -1 after a fall, 0 before any
	started             bool
}

// step takes the cell's next value v (ok: whether v qualifies as the
// end the rule names) and returns +1 for a rise, -1 for a fall, 0 for
// none. lowEnd says the qualifying end is the lower one.
func (s *swing) step(v float32, ok bool, step float32, lowEnd bool) int8 {
	if !s.started {
		*s = swing{pivot: v, lo: v, hi: v, pivotOK: ok, loOK: ok, hiOK: ok, started: true}
		return 0
	}
	switch s.last {
	case 0:
		return s.first(v, ok, step, lowEnd)
	case 1:
		if v >= s.pivot {
			s.pivot, s.pivotOK = v, ok
			return 0
		}
		return s.turn(v, ok, s.pivot-v, s.pivotOK, step, lowEnd, -1)
	default:
		if v <= s.pivot {
			s.pivot, s.pivotOK = v, ok
			return 0
		}
		return s.turn(v, ok, v-s.pivot, s.pivotOK, step, lowEnd, 1)
	}
}

// first handles a cell that has made no transition yet: it rises from
// its lowest value or falls from its highest.
func (s *swing) first(v float32, ok bool, step float32, lowEnd bool) int8 {
	if r := s.turn(v, ok, v-s.lo, s.loOK, step, lowEnd, 1); r != 0 {
		return r
	}
	if r := s.turn(v, ok, s.hi-v, s.hiOK, step, lowEnd, -1); r != 0 {
		return r
	}
	if v < s.lo {
		s.lo, s.loOK = v, ok
	}
	if v > s.hi {
		s.hi, s.hiOK = v, ok
	}
	return 0
}

// turn counts a transition of size d in direction dir from a turning
// point that qualified as fromOK, when it is large enough and the
// rule's end qualifies.
func (s *swing) turn(v float32, ok bool, d float32, fromOK bool, step float32, lowEnd bool, dir int8) int8 {
	if d < step {
		return 0
	}
	lowOK, highOK := fromOK, ok // a rise: from the low end to the high
	if dir < 0 {
		lowOK, highOK = ok, fromOK
	}
	if (lowEnd && !lowOK) || (!lowEnd && !highOK) {
		return 0
	}
	s.pivot, s.pivotOK, s.last = v, ok, dir
	return dir
}

// flashEvent is a screen transition at a time, in seconds.
type flashEvent struct {
	t   float64
	dir int8
}

// screenTrack turns per-frame counts of cells that turned into screen
// transitions: the cells that turned one way within the last window
// frames must cover the area, and a screen transition must oppose the
// previous one (cells of one change that cross the step a frame apart
// make one transition, not two).
type screenTrack struct {
	up, down []int // cells that turned, per frame of the window (a ring)
	pos      int
	last     int8
	events   []flashEvent
}

func newScreenTrack(window int) *screenTrack {
	return &screenTrack{up: make([]int, window), down: make([]int, window)}
}

// frame adds one frame's counts; need is the cell count of the area.
func (s *screenTrack) frame(up, down int, need float64, t float64) {
	s.pos = (s.pos + 1) % len(s.up)
	s.up[s.pos], s.down[s.pos] = up, down
	for _, dir := range []int8{1, -1} {
		ring := s.up
		if dir < 0 {
			ring = s.down
		}
		switch {
		case dir == s.last:
			clear(ring) // more of the previous transition
		case float64(sum(ring)) >= need:
			s.events = append(s.events, flashEvent{t: t, dir: dir})
			s.last = dir
			clear(ring)
		}
	}
}

func sum(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

// flashDetector turns rgb24 frames into screen transitions.
type flashDetector struct {
	need      float64 // cells that make a screen transition
	luma, red []swing
	lumaTrack *screenTrack
	redTrack  *screenTrack
}

// newFlashDetector detects over area of the screen, gathering a
// transition's cells over window frames.
func newFlashDetector(area float64, window int) *flashDetector {
	window = max(1, window)
	return &flashDetector{need: area * flashCells, luma: make([]swing, flashCells), red: make([]swing, flashCells),
		lumaTrack: newScreenTrack(window), redTrack: newScreenTrack(window)}
}

// frame takes one rgb24 frame of flashW×flashH pixels shown at t.
func (d *flashDetector) frame(rgb []byte, t float64) {
	var lu, ld, ru, rd int
	for i := range flashCells {
		r, g, b := srgbLinear[rgb[3*i]], srgbLinear[rgb[3*i+1]], srgbLinear[rgb[3*i+2]]
		l := 0.2126*r + 0.7152*g + 0.0722*b
		count(d.luma[i].step(l, l < lumaDarkBelow, lumaStep, true), &lu, &ld)
		q := max(0, (r-g-b)*320)
		sat := r+g+b > 0 && r/(r+g+b) >= redSaturated
		count(d.red[i].step(q, sat, redStep, false), &ru, &rd)
	}
	d.lumaTrack.frame(lu, ld, d.need, t)
	d.redTrack.frame(ru, rd, d.need, t)
}

func count(dir int8, up, down *int) {
	switch dir {
	case 1:
		*up++
	case -1:
		*down++
	}
}

// flashStretch is a run of too-frequent flashes.
type flashStretch struct {
	Start, End float64
	// PerSecond is the most flashes (transitions ÷ 2) seen in one
	// second of the stretch.
	PerSecond float64
}

// flashStretches finds the one-second windows with more than
// 2×maxPerSecond transitions and merges them.
func flashStretches(ev []flashEvent, maxPerSecond float64) []flashStretch {
	var out []flashStretch
	first := 0
	for k := range ev {
		for ev[k].t-ev[first].t >= 1 {
			first++
		}
		n := k - first + 1
		if float64(n) <= 2*maxPerSecond {
			continue
		}
		start, end, rate := ev[first].t, ev[k].t, float64(n)/2
		if last := len(out) - 1; last >= 0 && start <= out[last].End {
			out[last].End, out[last].PerSecond = end, max(out[last].PerSecond, rate)
			continue
		}
		out = append(out, flashStretch{Start: start, End: end, PerSecond: rate})
	}
	return out
}
