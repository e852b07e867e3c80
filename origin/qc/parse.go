package qc

import (
	"bufio"
	"io"
	"math"
	"strconv"
	"strings"
)

// Interval is a stretch in seconds; End is -1 while open.
type Interval struct {
	Start float64 `json:"start"`
	End   float64 `json:"end"`
}

// Analysis is what ffmpeg's detectors reported on one input.
type Analysis struct {
	Black   []Interval `json:"black,omitempty"`
	Freeze  []Interval `json:"freeze,omitempty"`
	Silence []Interval `json:"silence,omitempty"`
	// Loudness is integrated loudness (LUFS), LRA the loudness range
	// (LU), TruePeak in dBTP; HasLoudness is false without audio.
	HasLoudness bool    `json:"has_loudness"`
	Loudness    float64 `json:"loudness_lufs"`
	LRA         float64 `json:"lra_lu"`
	TruePeak    float64 `json:"true_peak_dbtp"`
}

// maxIntervals bounds what a pathological input can make us keep.
const maxIntervals = 10_000

// ParseLog reads ffmpeg's stderr (at -v info) and collects the
// detectors' lines. Open intervals (a stretch running to the end) are
// closed at total seconds. Malformed lines are skipped.
func ParseLog(r io.Reader, total float64) Analysis {
	var a Analysis
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	section := ""
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.Contains(line, "black_start:"):
			a.black(line)
		case strings.Contains(line, "freezedetect.freeze_"):
			a.Freeze = interval(a.Freeze, line, "freeze_start:", "freeze_end:")
		case strings.Contains(line, "silence_start:"), strings.Contains(line, "silence_end:"):
			a.Silence = interval(a.Silence, line, "silence_start:", "silence_end:")
		default:
			section = a.loudness(strings.TrimSpace(line), section)
		}
	}
	a.Freeze, a.Silence = closeOpen(a.Freeze, total), closeOpen(a.Silence, total)
	return a
}

// black parses "black_start:3 black_end:3.8 black_duration:0.8".
func (a *Analysis) black(line string) {
	start, ok1 := field(line, "black_start:")
	end, ok2 := field(line, "black_end:")
	if ok1 && ok2 && end >= start && len(a.Black) < maxIntervals {
		a.Black = append(a.Black, Interval{start, end})
	}
}

// interval handles the start and end lines of freeze and silence.
func interval(list []Interval, line, startKey, endKey string) []Interval {
	if v, ok := field(line, startKey); ok && len(list) < maxIntervals {
		return append(list, Interval{v, -1})
	}
	if v, ok := field(line, endKey); ok && len(list) > 0 && list[len(list)-1].End < 0 {
		last := &list[len(list)-1]
		last.End = max(v, last.Start)
	}
	return list
}

func closeOpen(list []Interval, total float64) []Interval {
	for i := range list {
		if list[i].End < 0 {
			list[i].End = max(total, list[i].Start)
		}
	}
	return list
}

// loudness follows ebur128's summary: "Integrated loudness:" then
// "I: -23.0 LUFS", "Loudness range:" then "LRA: 1.0 LU", "True peak:"
// then "Peak: -1.2 dBFS".
func (a *Analysis) loudness(line, section string) string {
	switch {
	case strings.HasPrefix(line, "Integrated loudness:"), strings.HasPrefix(line, "Loudness range:"), strings.HasPrefix(line, "True peak:"):
		return line
	case section == "Integrated loudness:" && strings.HasPrefix(line, "I:"):
		if v, ok := number(line[2:]); ok {
			a.Loudness, a.HasLoudness = v, true
		}
	case section == "Loudness range:" && strings.HasPrefix(line, "LRA:"):
		a.LRA, _ = number(line[4:])
	case section == "True peak:" && strings.HasPrefix(line, "Peak:"):
		a.TruePeak, _ = number(line[5:])
	}
	return section
}

// field returns the number after key in line.
func field(line, key string) (float64, bool) {
	i := strings.Index(line, key)
	if i < 0 {
		return 0, false
	}
	return number(line[i+len(key):])
}

// number parses the first whitespace-separated token as a finite float.
func number(s string) (float64, bool) {
	tok := strings.Fields(s)
	if len(tok) == 0 {
		return 0, false
	}
	v, err := strconv.ParseFloat(tok[0], 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, false
	}
	return v, true
}
