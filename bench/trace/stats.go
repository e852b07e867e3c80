package trace

import (
	"strings"
	"time"
)

// Stats summarizes a trace.
type Stats struct {
	Requests       int   `json:"requests"`
	Clients        int   `json:"clients"`
	Objects        int   `json:"objects"`
	RequestedBytes int64 `json:"requested_bytes"`
	// FootprintBytes is the size of every distinct object requested: the
	// "catalogue" cache sizes are given as a share of.
	FootprintBytes int64         `json:"footprint_bytes"`
	Span           time.Duration `json:"span_ns"`
	// DailyTopOverlap[d] is the share of day d+1's 20 most requested
	// titles (by bytes; a title is a key's first two path elements,
	// /titles/t00042) that were among day d's 20: the drift an overnight
	// fill must cope with.
	DailyTopOverlap []float64 `json:"daily_top_overlap"`
}

// Summarize computes a trace's statistics.
func Summarize(reqs []Request) Stats {
	s := Stats{Requests: len(reqs)}
	clients := map[string]bool{}
	sizes := map[string]int64{}
	var days []map[string]int64
	for _, r := range reqs {
		clients[r.Client] = true
		sizes[r.Key] = r.Size
		f, l := r.Extent()
		s.RequestedBytes += l - f + 1
		d := int(r.Time / (24 * time.Hour))
		for len(days) <= d {
			days = append(days, map[string]int64{})
		}
		days[d][titleOf(r.Key)] += l - f + 1
	}
	for _, n := range sizes {
		s.FootprintBytes += n
	}
	s.Clients, s.Objects = len(clients), len(sizes)
	if len(reqs) > 0 {
		s.Span = reqs[len(reqs)-1].Time - reqs[0].Time
	}
	for d := 0; d+1 < len(days); d++ {
		s.DailyTopOverlap = append(s.DailyTopOverlap, overlap(TopKeys(days[d], 20), TopKeys(days[d+1], 20)))
	}
	return s
}

func overlap(a, b []string) float64 {
	if len(b) == 0 {
		return 0
	}
	in := map[string]bool{}
	for _, k := range a {
		in[k] = true
	}
	n := 0
	for _, k := range b {
		if in[k] {
			n++
		}
	}
	return float64(n) / float64(len(b))
}

// titleOf returns the first two path elements of key.
func titleOf(key string) string {
	n := 0
	for i := range len(key) {
		if key[i] == '/' {
			if n++; n == 3 {
				return key[:i]
			}
		}
	}
	return strings.TrimSuffix(key, "/")
}
