package popularity

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestPriorWeightDecays(t *testing.T) {
	c := DefaultConfig()
	want := []float64{1, 2.0 / 3, 1.0 / 3, 0, 0}
	for k, w := range want {
		if got := c.PriorWeight(k); math.Abs(got-w) > 1e-12 {
			t.Errorf("weight after %d days of evidence %v, want %v", k, got, w)
		}
	}
	if got := c.PriorWeight(-1); got != 1 {
		t.Errorf("before release: weight %v, want 1", got)
	}
	if got := (Config{PriorDays: 1}).PriorWeight(1); got != 0 {
		t.Errorf("one prior day: weight the next day %v, want 0", got)
	}
	// A new release's effective popularity is its own plus what is left
	// of the prior, then its own alone.
	p := Prior{Plays: 90}
	for k, want := range []float64{120, 90, 60, 30} {
		if got := Effective(30, c.PriorWeight(k), p); math.Abs(got-want) > 1e-9 {
			t.Errorf("day %d: effective %v, want %v", k, got, want)
		}
	}
}

func TestEvidenceDays(t *testing.T) {
	rel := time.Date(2026, 3, 10, 23, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		day  time.Time
		want int
	}{
		{rel.Add(-30 * time.Hour), 0}, // the night before: pre-positioning
		{rel.Add(-22 * time.Hour), 0}, // same day, earlier
		{rel.Add(2 * time.Hour), 1},
		{rel.AddDate(0, 0, 5), 5},
	} {
		if got := EvidenceDays(rel, c.day); got != c.want {
			t.Errorf("EvidenceDays(%v, %v) = %d, want %d", rel, c.day, got, c.want)
		}
	}
}

func TestEstimatePrior(t *testing.T) {
	p := func(id, tags, rating string, year int) Profile {
		return Profile{ID: id, Tags: strings.Split(tags, ","), Rating: rating, Year: year}
	}
	others := []Profile{
		p("a1", "action", "PG-13", 2025), p("a2", "action,spy", "PG-13", 2026), p("a3", "action", "PG-13", 2024),
		p("a4", "action", "R", 2010), p("d1", "documentary", "G", 2026), p("d2", "documentary", "G", 2025),
		p("k1", "kids", "G", 2026),
	}
	launch := map[string]float64{"a1": 100, "a2": 300, "a3": 200, "a4": 10, "d1": 4, "d2": 6, "k1": 50}
	cfg := PriorConfig{MinComparables: 2}
	for _, c := range []struct {
		name  string
		title Profile
		want  Prior
	}{
		{"tags, year, rating", p("new", "action", "PG-13", 2026), Prior{Plays: 200, Source: FromTitles, Comparables: 3}},
		{"tags only", p("new", "spy,action", "R", 2026), Prior{Plays: 150, Source: FromTags, Comparables: 4}},
		{"no tag in common", p("new", "horror", "R", 2026), Prior{Plays: 50, Source: FromCatalogue, Comparables: 7}},
		{"expected plays override", Profile{ID: "new", Tags: []string{"action"}, Expected: 1000}, Prior{Plays: 250, Source: FromExpected}},
		{"itself is no comparable", p("a1", "action", "PG-13", 2025), Prior{Plays: 250, Source: FromTitles, Comparables: 2}},
	} {
		if got := EstimatePrior(c.title, others, launch, 0.25, cfg); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
	if got := EstimatePrior(p("new", "action", "", 0), others, nil, 1, cfg); got != (Prior{Source: FromNone}) {
		t.Errorf("no launch figures at all: %+v, want no prior", got)
	}
}

func TestLaunches(t *testing.T) {
	s, _ := newStore(t)
	// hit: 2000 bytes a playback; released 3 days ago, 4000 bytes on its
	// release day, 2000 the next; flop released yesterday, nothing served.
	batch := strings.Join([]string{
		line(3, "ams", "GET", "/titles/hit/v/seg-00000.m4s", 200, 4000),
		line(2, "ams", "GET", "/titles/hit/v/seg-00000.m4s", 200, 2000),
		line(2, "fra", "GET", "/titles/hit/v/seg-00000.m4s", 200, 2000),
		line(0, "ams", "GET", "/titles/flop/v/seg-00000.m4s", 200, 9000),
	}, "\n")
	if _, err := s.Ingest(strings.NewReader(batch)); err != nil {
		t.Fatal(err)
	}
	rel := map[string]time.Time{"hit": today.AddDate(0, 0, -3), "flop": today.AddDate(0, 0, -1), "new": today, "old": today.AddDate(0, 0, -200)}
	got, err := s.Launches("ams", rel, today, PriorConfig{LaunchDays: 2})
	if err != nil {
		t.Fatal(err)
	}
	// hit: (2 + 1) plays over 2 days; flop: 0 plays on its one whole day
	// (today's traffic is not a whole day); new and old: no figure.
	if len(got) != 2 || got["hit"] != 1.5 || got["flop"] != 0 {
		t.Errorf("ams launches %v, want hit 1.5, flop 0", got)
	}
	all, err := s.Launches("", rel, today, PriorConfig{LaunchDays: 2})
	if err != nil {
		t.Fatal(err)
	}
	if all["hit"] != 2 {
		t.Errorf("all sites: hit %v, want 2 plays a day", all["hit"])
	}
}
