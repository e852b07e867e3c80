package qc

import (
	"bufio"
	"io"
	"math"
	"strings"
)

// ParseCuts reads ffmpeg's stderr and returns the scene cut times (in
// seconds, in log order) that the scdet filter reported
// ("lavfi.scd.time: 12.04"). Malformed lines are skipped; at most
// maxIntervals cuts are kept.
func ParseCuts(r io.Reader) []float64 {
	var out []float64
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 64<<10)
	for sc.Scan() && len(out) < maxIntervals {
		line := sc.Text()
		if !strings.Contains(line, "[scdet") {
			continue
		}
		if t, ok := field(line, "lavfi.scd.time:"); ok && t >= 0 && !math.IsInf(t, 0) {
			out = append(out, t)
		}
	}
	return out
}
