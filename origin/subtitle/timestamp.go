package subtitle

import (
	"strings"
	"time"
)

// parseTime reads a timestamp: [hh:]mm:ss{sep}fff. WebVTT (sep '.')
// wants exactly three fraction digits and two-digit minutes and
// seconds; SubRip (sep ',') is read leniently, as players do: one to
// three fraction digits, '.' as well as ','.
func parseTime(s string, srt bool) (time.Duration, bool) {
	sep := "."
	if srt {
		s = strings.Replace(s, ",", ".", 1)
	}
	whole, frac, ok := strings.Cut(s, sep)
	if !ok || frac == "" || len(frac) > 3 || !srt && len(frac) != 3 {
		return 0, false
	}
	parts := strings.Split(whole, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, false
	}
	var h, m, sec int64
	var good bool
	if len(parts) == 3 {
		h, good = digits(parts[0], 1, 4)
		if !good {
			return 0, false
		}
		parts = parts[1:]
	}
	if m, good = digits(parts[0], 2, 2); !good || m > 59 {
		return 0, false
	}
	if sec, good = digits(parts[1], 2, 2); !good || sec > 59 {
		return 0, false
	}
	ms, good := digits(frac, 1, 3)
	if !good {
		return 0, false
	}
	for range 3 - len(frac) {
		ms *= 10
	}
	d := time.Duration(((h*60+m)*60+sec)*1000+ms) * time.Millisecond
	return d, d <= maxDuration
}

// digits parses an unsigned decimal of minLen to maxLen digits.
func digits(s string, minLen, maxLen int) (int64, bool) {
	if len(s) < minLen || len(s) > maxLen {
		return 0, false
	}
	var n int64
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int64(c-'0')
	}
	return n, true
}

// parseTiming reads "start --> end[ settings]" at line n.
func parseTiming(n int, line string, srt bool) (Cue, error) {
	left, right, ok := strings.Cut(line, "-->")
	if !ok {
		return Cue{}, lineErr(n, "want a cue timing line (00:00:01.000 --> 00:00:02.500), got %q", clip(line))
	}
	startText := strings.TrimSpace(left)
	fields := strings.Fields(right)
	if len(fields) == 0 {
		return Cue{}, lineErr(n, "cue timing line has no end time")
	}
	start, ok := parseTime(startText, srt)
	if !ok {
		return Cue{}, lineErr(n, "bad start timestamp %q (want hh:mm:ss%s000)", clip(startText), sepOf(srt))
	}
	end, ok := parseTime(fields[0], srt)
	if !ok {
		return Cue{}, lineErr(n, "bad end timestamp %q (want hh:mm:ss%s000)", clip(fields[0]), sepOf(srt))
	}
	if end <= start {
		return Cue{}, lineErr(n, "cue ends (%s) before it starts (%s)", formatTime(end), formatTime(start))
	}
	c := Cue{Start: start, End: end}
	if !srt {
		c.Settings = strings.Join(fields[1:], " ")
	}
	return c, nil
}

func sepOf(srt bool) string {
	if srt {
		return ","
	}
	return "."
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
