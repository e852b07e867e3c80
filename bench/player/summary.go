package player

import (
	"slices"
	"time"
)

// Summary aggregates sessions.
type Summary struct {
	Sessions  int `json:"sessions"`
	Failed    int `json:"failed"`
	Segments  int `json:"segments"`
	Errors    int `json:"errors"`
	Fallbacks int `json:"fallbacks"`
	Switches  int `json:"switches"`
	// Startup percentiles over sessions that got a first segment.
	StartupP50 time.Duration `json:"startup_p50_ns"`
	StartupP90 time.Duration `json:"startup_p90_ns"`
	// Segment TTFB percentiles.
	TTFBP50  time.Duration `json:"ttfb_p50_ns"`
	TTFBP90  time.Duration `json:"ttfb_p90_ns"`
	TTFBP99  time.Duration `json:"ttfb_p99_ns"`
	TTFBP999 time.Duration `json:"ttfb_p999_ns"`
	// Rebuffers is the number of stall events; RebufferRatio is stalled
	// time ÷ media time delivered (in real time at the playback speed).
	Rebuffers     int     `json:"rebuffers"`
	RebufferRatio float64 `json:"rebuffer_ratio"`
	// MeanKbps is the mean bit rate of the renditions delivered, per
	// segment.
	MeanKbps float64 `json:"mean_kbps"`
	Bytes    int64   `json:"bytes"`
}

// Summarize aggregates sessions.
func Summarize(ss []Session, speed float64) Summary {
	var s Summary
	var startups []time.Duration
	var media, stalled time.Duration
	var kbps float64
	for _, x := range ss {
		s.Sessions++
		if x.Failed {
			s.Failed++
		}
		s.Segments += x.Segments
		s.Errors, s.Fallbacks, s.Switches = s.Errors+x.Errors, s.Fallbacks+x.Fallbacks, s.Switches+x.Switches
		s.Rebuffers += x.Rebuffers
		s.Bytes += x.Bytes
		media, stalled = media+x.MediaTime, stalled+x.Stalled
		if x.Segments > 0 {
			startups = append(startups, x.Startup)
		}
		for _, b := range x.BitsPerSec {
			kbps += float64(b) / 1000
		}
	}
	slices.Sort(startups)
	s.StartupP50, s.StartupP90 = Percentile(startups, 0.5), Percentile(startups, 0.9)
	t := sortedTTFB(ss)
	s.TTFBP50, s.TTFBP90, s.TTFBP99, s.TTFBP999 = Percentile(t, 0.5), Percentile(t, 0.9), Percentile(t, 0.99), Percentile(t, 0.999)
	if s.Segments > 0 {
		s.MeanKbps = kbps / float64(s.Segments)
	}
	if media > 0 && speed > 0 {
		s.RebufferRatio = float64(stalled) * speed / float64(media)
	}
	return s
}

// Percentile returns the q-quantile (nearest rank) of sorted durations.
func Percentile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	i := int(q*float64(len(sorted))+0.5) - 1
	return sorted[min(max(i, 0), len(sorted)-1)]
}
