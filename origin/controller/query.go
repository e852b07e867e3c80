package controller

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/vodedge/vodedge/origin/catalog"
)

// searchParams are the parameters GET /v1/titles accepts.
var searchParams = []string{"q", "tag", "year", "year_min", "year_max", "min_duration", "max_duration", "status", "class", "language", "limit", "offset"}

// ParseSearch turns GET /v1/titles's query string into a catalog query:
//
//	q=text               full-text over title, description, tags
//	tag=a&tag=b, tag=a,b all tags must be present
//	year=2020, year=2018-2021, year_min=, year_max=
//	min_duration=, max_duration=   Go durations (90m) or seconds (5400)
//	status=, class=, language=
//	limit= (1..1000, default 20), offset= (0..100000)
//
// Unknown parameters are an error, so a typo never silently widens a
// search.
func ParseSearch(v url.Values) (catalog.Query, error) {
	var q catalog.Query
	for k := range v {
		if !slices.Contains(searchParams, k) {
			return q, fmt.Errorf("%w: unknown parameter %q (accepted: %s)", errBadRequest, clip(k), strings.Join(searchParams, ", "))
		}
	}
	q.Text = v.Get("q")
	if len(q.Text) > 1000 || !utf8.ValidString(q.Text) {
		return q, fmt.Errorf("%w: q: at most 1000 bytes of UTF-8", errBadRequest)
	}
	for _, t := range v["tag"] {
		q.Tags = append(q.Tags, splitList(t)...)
	}
	if len(q.Tags) > 20 {
		return q, fmt.Errorf("%w: at most 20 tags", errBadRequest)
	}
	q.Language = v.Get("language")
	parsers := []func(url.Values, *catalog.Query) error{parseYears, parseDurations, parseEnums, parsePage}
	for _, p := range parsers {
		if err := p(v, &q); err != nil {
			return q, err
		}
	}
	return q, nil
}

func parseYears(v url.Values, q *catalog.Query) error {
	if y := v.Get("year"); y != "" {
		lo, hi, isRange := strings.Cut(y, "-")
		var err error
		if q.YearMin, err = year(lo); err != nil {
			return err
		}
		q.YearMax = q.YearMin
		if isRange {
			if q.YearMax, err = year(hi); err != nil {
				return err
			}
		}
	}
	for name, dst := range map[string]*int{"year_min": &q.YearMin, "year_max": &q.YearMax} {
		if s := v.Get(name); s != "" {
			y, err := year(s)
			if err != nil {
				return err
			}
			*dst = y
		}
	}
	if q.YearMax != 0 && q.YearMin > q.YearMax {
		return fmt.Errorf("%w: year range %d-%d is empty", errBadRequest, q.YearMin, q.YearMax)
	}
	return nil
}

func year(s string) (int, error) {
	y, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || y < 1800 || y > 2300 {
		return 0, fmt.Errorf("%w: year %q: want YYYY or YYYY-YYYY", errBadRequest, clip(s))
	}
	return y, nil
}

func parseDurations(v url.Values, q *catalog.Query) error {
	for name, dst := range map[string]*time.Duration{"min_duration": &q.MinDuration, "max_duration": &q.MaxDuration} {
		s := v.Get(name)
		if s == "" {
			continue
		}
		d, err := duration(s)
		if err != nil {
			return fmt.Errorf("%w: %s %q: want a duration such as 90m or a number of seconds", errBadRequest, name, clip(s))
		}
		*dst = d
	}
	if q.MaxDuration != 0 && q.MinDuration > q.MaxDuration {
		return fmt.Errorf("%w: min_duration above max_duration", errBadRequest)
	}
	return nil
}

func duration(s string) (time.Duration, error) {
	if secs, err := strconv.ParseFloat(s, 64); err == nil {
		if !(secs >= 0 && secs <= 1e6) { // NaN fails both
			return 0, strconv.ErrRange
		}
		return time.Duration(secs * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && (d < 0 || d > 1e6*time.Second) {
		err = strconv.ErrRange
	}
	return d, err
}

func parseEnums(v url.Values, q *catalog.Query) error {
	statuses := []catalog.Status{catalog.Processing, catalog.Held, catalog.Published, catalog.Failed, catalog.Cancelled}
	classes := []catalog.Class{catalog.Hot, catalog.Cold, catalog.Demoting, catalog.Restoring}
	if s := catalog.Status(v.Get("status")); s != "" && !slices.Contains(statuses, s) {
		return fmt.Errorf("%w: status %q: want one of %v", errBadRequest, clip(string(s)), statuses)
	}
	if c := catalog.Class(v.Get("class")); c != "" && !slices.Contains(classes, c) {
		return fmt.Errorf("%w: class %q: want one of %v", errBadRequest, clip(string(c)), classes)
	}
	q.Status, q.Class = catalog.Status(v.Get("status")), catalog.Class(v.Get("class"))
	return nil
}

func parsePage(v url.Values, q *catalog.Query) error {
	var err error
	if q.Limit, err = intParam(v, "limit", 20, 1, 1000); err != nil {
		return err
	}
	q.Offset, err = intParam(v, "offset", 0, 0, 100_000)
	return err
}

func intParam(v url.Values, name string, def, lo, hi int) (int, error) {
	s := v.Get(name)
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi {
		return 0, fmt.Errorf("%w: %s %q: want %d..%d", errBadRequest, name, clip(s), lo, hi)
	}
	return n, nil
}
