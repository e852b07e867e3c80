package main

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// maxClock bounds a marker time: far past any title, small enough that
// a float64 keeps milliseconds exact.
const maxClock = 1e6

// parseClock reads a time in a title: seconds ("62.5"), m:ss or
// h:mm:ss, each with an optional fraction of a second ("1:02.5",
// "0:21:50"). Minutes and seconds after a colon are below 60.
func parseClock(s string) (float64, error) {
	parts := strings.Split(strings.TrimSpace(s), ":")
	if len(parts) > 3 {
		return 0, errors.New("want seconds, m:ss or h:mm:ss")
	}
	secs, err := clockField(parts[len(parts)-1], len(parts) > 1, true)
	if err != nil {
		return 0, err
	}
	unit := 60.0
	for i := len(parts) - 2; i >= 0; i-- {
		v, err := clockField(parts[i], i > 0, false)
		if err != nil {
			return 0, err
		}
		secs += v * unit
		unit *= 60
	}
	if secs > maxClock {
		return 0, fmt.Errorf("%v s is past any title", secs)
	}
	return secs, nil
}

// clockField reads one field: digits (with a fraction when frac), below
// 60 when sixty.
func clockField(s string, sixty, frac bool) (float64, error) {
	digits := strings.Replace(s, ".", "", 1)
	if digits == "" || strings.Trim(digits, "0123456789") != "" || (!frac && digits != s) {
		return 0, fmt.Errorf("%q is not a time (want seconds, m:ss or h:mm:ss)", s)
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a time", s)
	}
	if sixty && v >= 60 {
		return 0, fmt.Errorf("%q: minutes and seconds after a colon are below 60", s)
	}
	return v, nil
}

// parseSpan reads "START-END".
func parseSpan(s string) (start, end float64, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, errors.New("want START-END, e.g. 0:05-1:02.5")
	}
	if start, err = parseClock(a); err == nil {
		end, err = parseClock(b)
	}
	if err == nil && end <= start {
		err = fmt.Errorf("the end (%s) is not after the start (%s)", formatClock(end), formatClock(start))
	}
	return start, end, err
}

// formatClock writes seconds as [h:]mm:ss.mmm.
func formatClock(secs float64) string {
	ms := int64(math.Round(secs * 1000))
	h, m, s := ms/3_600_000, ms/60_000%60, float64(ms%60_000)/1000
	if h > 0 {
		return fmt.Sprintf("%d:%02d:%06.3f", h, m, s)
	}
	return fmt.Sprintf("%d:%06.3f", m, s)
}
