package catalog

import (
	"fmt"
	"math"
)

// Markers are a title's playback markers: where a player offers "skip
// intro" and "next episode". Content analysis detects them
// (origin/qc.Markers); an operator may replace them.
type Markers struct {
	// Intro is the title sequence, [Start, End) in seconds.
	Intro *Marker `json:"intro,omitempty"`
	// Credits are the end credits from Start; End is the title's end.
	Credits *Marker `json:"credits,omitempty"`
}

// Marker is one marked span.
type Marker struct {
	Start float64 `json:"start"`
	End   float64 `json:"end,omitempty"`
	// Confidence of a detected marker in 0..1; an operator's is 1.
	Confidence float64 `json:"confidence"`
	// Source is MarkerDetected or MarkerOperator.
	Source string `json:"source"`
}

// Marker sources.
const (
	MarkerDetected = "detected"
	MarkerOperator = "operator"
)

// Validate checks m against a title of duration seconds: spans inside
// the title, an intro that ends after it starts, and no overlap of the
// intro with the credits. Errors wrap ErrInvalid and name the marker.
func (m *Markers) Validate(duration float64) error {
	if !(duration > 0) {
		return fmt.Errorf("%w: markers: the title's length is not known yet", ErrInvalid)
	}
	if i := m.Intro; i != nil {
		if err := i.check("intro", duration); err != nil {
			return err
		}
		if !(i.End > i.Start) {
			return fmt.Errorf("%w: markers: intro end %v must be after its start %v", ErrInvalid, i.End, i.Start)
		}
	}
	if c := m.Credits; c != nil {
		if err := c.check("credits", duration); err != nil {
			return err
		}
		if c.Start >= duration {
			return fmt.Errorf("%w: markers: credits start %v is at or past the end of the title (%.3f s)", ErrInvalid, c.Start, duration)
		}
		if c.End != 0 && c.End <= c.Start {
			return fmt.Errorf("%w: markers: credits end %v must be after their start %v", ErrInvalid, c.End, c.Start)
		}
	}
	if m.Intro != nil && m.Credits != nil && m.Credits.Start < m.Intro.End {
		return fmt.Errorf("%w: markers: intro (%v–%v s) overlaps the credits (from %v s)", ErrInvalid, m.Intro.Start, m.Intro.End, m.Credits.Start)
	}
	return nil
}

func (k Marker) check(name string, duration float64) error {
	for _, v := range []float64{k.Start, k.End, k.Confidence} {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w: markers: %s: not a number", ErrInvalid, name)
		}
	}
	switch {
	case k.Start < 0:
		return fmt.Errorf("%w: markers: %s start %v is negative", ErrInvalid, name, k.Start)
	case k.End > duration:
		return fmt.Errorf("%w: markers: %s end %v is past the end of the title (%.3f s)", ErrInvalid, name, k.End, duration)
	case k.Confidence < 0 || k.Confidence > 1:
		return fmt.Errorf("%w: markers: %s confidence %v outside 0..1", ErrInvalid, name, k.Confidence)
	}
	return nil
}
