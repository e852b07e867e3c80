package popularity

import "time"

// Launches returns the launch figure of each title of released (ID →
// release time) at site ("" for all sites): its mean plays per day over
// its first cfg.LaunchDays days, counting only whole days before day.
// Titles released on day or later, more than cfg.Lookback days before
// it, or without a playback size have none. One pass over the days
// concerned.
func (s *Store) Launches(site string, released map[string]time.Time, day time.Time, cfg PriorConfig) (map[string]float64, error) {
	cfg = cfg.withDefaults()
	last := day.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1) // the last whole day
	first := last
	keep := map[string]bool{}
	for id, r := range released {
		r = r.UTC().Truncate(24 * time.Hour)
		if r.After(last) || last.Sub(r) >= time.Duration(cfg.Lookback)*24*time.Hour {
			continue
		}
		keep[id] = true
		first = minTime(first, r)
	}
	out := map[string]float64{}
	if len(keep) == 0 {
		return out, nil
	}
	days := EvidenceDays(first, last) + 1
	series, err := s.series("t", Query{Site: site, Day: last}, days, func(name string) bool { return keep[name] })
	if err != nil {
		return nil, err
	}
	for id := range keep {
		size, ok := s.deps.Sizes.PlaybackSize(id)
		if !ok || size <= 0 {
			continue
		}
		from := EvidenceDays(first, released[id])
		to := min(from+cfg.LaunchDays, days)
		var b int64 // no traffic at all: a launch nobody watched
		if daily := series[seriesKey{site: site, name: id}]; daily != nil {
			for _, n := range daily[from:to] {
				b += n
			}
		}
		out[id] = float64(b) / float64(size) / float64(to-from)
	}
	return out, nil
}

func minTime(a, b time.Time) time.Time {
	if b.Before(a) {
		return b
	}
	return a
}
