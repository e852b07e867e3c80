package fill

import (
	"fmt"
	"strings"
	"time"
)

// Window is a daily time window in a time zone, e.g. 02:00–14:00. When
// Start > End it spans midnight (22:00–06:00). Start == End means always.
type Window struct {
	Start, End time.Duration // since local midnight
	Loc        *time.Location
}

// ParseWindow reads "HH:MM-HH:MM".
func ParseWindow(s string, loc *time.Location) (Window, error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return Window{}, fmt.Errorf("fill: window %q: want HH:MM-HH:MM", s)
	}
	start, err1 := clock(a)
	end, err2 := clock(b)
	if err1 != nil || err2 != nil {
		return Window{}, fmt.Errorf("fill: window %q: want HH:MM-HH:MM", s)
	}
	if loc == nil {
		loc = time.Local
	}
	return Window{Start: start, End: end, Loc: loc}, nil
}

func clock(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

func (w Window) String() string {
	f := func(d time.Duration) string { return fmt.Sprintf("%02d:%02d", int(d.Hours()), int(d.Minutes())%60) }
	return f(w.Start) + "-" + f(w.End) + " " + w.Loc.String()
}

// sinceMidnight returns the time of day of t in the window's zone.
func (w Window) sinceMidnight(t time.Time) time.Duration {
	t = t.In(w.Loc)
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second
}

// Open reports whether t is inside the window.
func (w Window) Open(t time.Time) bool {
	d := w.sinceMidnight(t)
	switch {
	case w.Start == w.End:
		return true
	case w.Start < w.End:
		return d >= w.Start && d < w.End
	default:
		return d >= w.Start || d < w.End
	}
}

// Until returns how long from t until the window next opens (0 if open)
// or, for closing, how long it stays open.
func (w Window) Until(t time.Time) time.Duration {
	if w.Open(t) {
		return 0
	}
	d := w.sinceMidnight(t)
	wait := w.Start - d
	if wait < 0 {
		wait += 24 * time.Hour
	}
	return wait
}

// Remaining returns how long the window stays open after t (0 if closed).
func (w Window) Remaining(t time.Time) time.Duration {
	if !w.Open(t) {
		return 0
	}
	if w.Start == w.End {
		return 24 * time.Hour
	}
	left := w.End - w.sinceMidnight(t)
	if left <= 0 {
		left += 24 * time.Hour
	}
	return left
}
