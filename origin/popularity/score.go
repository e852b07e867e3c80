package popularity

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin/kv"
)

// Query selects scores.
type Query struct {
	// Site limits to one site; "" sums all sites.
	Site string
	// Day is the last day of the window; zero means today.
	Day time.Time
	// Limit caps the results (highest first); 0 means 100.
	Limit int
	// Title limits file scores to one title.
	Title string
}

// Score is a smoothed popularity.
type Score struct {
	// Name is the file path or the title ID.
	Name string `json:"name"`
	Site string `json:"site,omitempty"`
	// Popularity is the EWMA of daily bytes ÷ size.
	Popularity float64 `json:"popularity"`
	// BytesToday is the last day's bytes; BytesWindow the window's.
	BytesToday  int64 `json:"bytes_today"`
	BytesWindow int64 `json:"bytes_window"`
	Size        int64 `json:"size"`
}

// Files scores files.
func (s *Store) Files(q Query) ([]Score, error) {
	prefix := ""
	if q.Title != "" {
		prefix = "/titles/" + q.Title + "/"
	}
	return s.scores("f", q, prefix, s.deps.Sizes.FileSize)
}

// Titles scores titles (popularity in plays per day).
func (s *Store) Titles(q Query) ([]Score, error) {
	return s.scores("t", q, "", s.deps.Sizes.PlaybackSize)
}

// TitleHistory returns a title's smoothed popularity at the end of each
// of the last n days (oldest first), across all sites, for the storage
// class policy.
func (s *Store) TitleHistory(id string, n int, today time.Time) ([]float64, error) {
	series, err := s.series("t", Query{Day: today}, n+s.cfg.Window, func(name string) bool { return name == id })
	if err != nil {
		return nil, err
	}
	size, ok := s.deps.Sizes.PlaybackSize(id)
	if !ok || size <= 0 {
		return nil, fmt.Errorf("popularity: no size for title %s", id)
	}
	daily := series[seriesKey{name: id}] // nil: no traffic at all
	out := make([]float64, 0, n)
	ewma := 0.0
	for i := 0; i < n+s.cfg.Window; i++ {
		var b int64
		if daily != nil {
			b = daily[i]
		}
		ewma = s.cfg.Alpha*float64(b)/float64(size) + (1-s.cfg.Alpha)*ewma
		if i >= s.cfg.Window {
			out = append(out, ewma)
		}
	}
	return out, nil
}

type seriesKey struct{ site, name string }

// series reads daily totals for the days days ending at q.Day: for each
// (site, name) a slice of bytes per day, oldest first. Sites are merged
// when q.Site is "".
func (s *Store) series(kind string, q Query, days int, keep func(string) bool) (map[seriesKey][]int64, error) {
	end := q.Day
	if end.IsZero() {
		end = s.deps.Now()
	}
	out := map[seriesKey][]int64{}
	for i := range days {
		d := day(end.AddDate(0, 0, i-days+1))
		from := kind + "/" + d + "/"
		if q.Site != "" {
			from += q.Site + "/"
		}
		err := kv.ScanJSON(s.deps.Store, from, func(key string, n *int64) error {
			if !strings.HasPrefix(key, from) {
				return kv.ErrStop
			}
			site, name, _ := strings.Cut(strings.TrimPrefix(key, kind+"/"+d+"/"), "/")
			if !keep(name) {
				return nil
			}
			k := seriesKey{site: site, name: name}
			if q.Site == "" {
				k.site = ""
			}
			if out[k] == nil {
				out[k] = make([]int64, days)
			}
			out[k][i] += *n
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) scores(kind string, q Query, prefix string, size func(string) (int64, bool)) ([]Score, error) {
	series, err := s.series(kind, q, s.cfg.Window, func(name string) bool { return strings.HasPrefix(name, prefix) })
	if err != nil {
		return nil, err
	}
	var out []Score
	for k, daily := range series {
		sz, ok := size(k.name)
		if !ok || sz <= 0 {
			continue // no longer in the catalog
		}
		sc := Score{Name: k.name, Site: k.site, Size: sz, BytesToday: daily[len(daily)-1]}
		for _, b := range daily {
			sc.Popularity = s.cfg.Alpha*float64(b)/float64(sz) + (1-s.cfg.Alpha)*sc.Popularity
			sc.BytesWindow += b
		}
		out = append(out, sc)
	}
	slices.SortFunc(out, func(a, b Score) int {
		if a.Popularity != b.Popularity {
			if a.Popularity > b.Popularity {
				return -1
			}
			return 1
		}
		return strings.Compare(a.Name+a.Site, b.Name+b.Site)
	})
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	return out[:min(limit, len(out))], nil
}
