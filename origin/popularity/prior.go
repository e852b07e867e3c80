package popularity

import (
	"slices"
	"time"
)

// Profile is what the prior rule knows of a title.
type Profile struct {
	ID     string
	Tags   []string
	Year   int
	Rating string
	// Released is when the title was published (its release day).
	Released time.Time
	// Expected is the operator's expected plays per day across all
	// sites; 0 means "estimate from comparable titles".
	Expected float64
}

// PriorConfig tunes the estimate from comparable titles.
type PriorConfig struct {
	// LaunchDays is how many days from its release day make a title's
	// launch, whose mean plays per day is its launch figure. Default 2.
	LaunchDays int
	// Lookback bounds how many days back a comparable's release may be
	// (older launches are no guide, and their logs may be gone). Default 90.
	Lookback int
	// MinComparables is how many launch figures a level of comparison
	// needs before its median is trusted. Default 2.
	MinComparables int
}

// DefaultPriorConfig is two launch days, 90 days back, two comparables.
func DefaultPriorConfig() PriorConfig {
	return PriorConfig{LaunchDays: 2, Lookback: 90, MinComparables: 2}
}

func (c PriorConfig) withDefaults() PriorConfig {
	d := DefaultPriorConfig()
	if c.LaunchDays <= 0 {
		c.LaunchDays = d.LaunchDays
	}
	if c.Lookback <= 0 {
		c.Lookback = d.Lookback
	}
	if c.MinComparables <= 0 {
		c.MinComparables = d.MinComparables
	}
	return c
}

// Where a prior came from.
const (
	FromExpected  = "expected_plays"
	FromTitles    = "comparable: tags, year, rating"
	FromTags      = "comparable: tags"
	FromCatalogue = "catalogue"
	FromNone      = "none"
)

// Prior is a title's prior popularity at a site.
type Prior struct {
	// Plays is the prior in plays per day.
	Plays float64 `json:"plays"`
	// Source says which rule gave it (From…).
	Source string `json:"source"`
	// Comparables is how many launch figures the median was taken of.
	Comparables int `json:"comparables,omitempty"`
}

// EstimatePrior is the rule's first half: the operator's expected plays
// (times share, the site's part of all traffic) when given, else the
// median launch figure of the comparable titles among others (launch:
// ID → mean plays per day over its launch, from Launches): those that
// share a tag, the rating and the year within two; if fewer than
// cfg.MinComparables, those that share a tag; if fewer, every title with
// a launch figure; if none, no prior.
func EstimatePrior(p Profile, others []Profile, launch map[string]float64, share float64, cfg PriorConfig) Prior {
	if p.Expected > 0 {
		return Prior{Plays: p.Expected * share, Source: FromExpected}
	}
	cfg = cfg.withDefaults()
	levels := []struct {
		source string
		min    int
		match  func(Profile) bool
	}{
		{FromTitles, cfg.MinComparables, func(o Profile) bool { return sharesTag(p, o) && alike(p, o) }},
		{FromTags, cfg.MinComparables, func(o Profile) bool { return sharesTag(p, o) }},
		{FromCatalogue, 1, func(Profile) bool { return true }},
	}
	for _, l := range levels {
		var figs []float64
		for _, o := range others {
			if f, ok := launch[o.ID]; ok && o.ID != p.ID && l.match(o) {
				figs = append(figs, f)
			}
		}
		if len(figs) >= l.min {
			return Prior{Plays: median(figs), Source: l.source, Comparables: len(figs)}
		}
	}
	return Prior{Source: FromNone}
}

func sharesTag(a, b Profile) bool {
	for _, t := range a.Tags {
		if slices.Contains(b.Tags, t) {
			return true
		}
	}
	return false
}

// alike: same rating and years at most two apart (an unknown year or
// rating matches only another unknown one).
func alike(a, b Profile) bool {
	if a.Rating != b.Rating || (a.Year == 0) != (b.Year == 0) {
		return false
	}
	return a.Year-b.Year <= 2 && b.Year-a.Year <= 2
}

func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}

// EvidenceDays is the number of whole days from the release day to day
// (the last day of the popularity window): 0 on the release day and
// before it (a title planned the night before it is released).
func EvidenceDays(released, day time.Time) int {
	r, d := released.UTC().Truncate(24*time.Hour), day.UTC().Truncate(24*time.Hour)
	return max(0, int(d.Sub(r)/(24*time.Hour)))
}

// PriorWeight is the rule's second half: the share of the prior still
// counted after k days of the title's own evidence, falling linearly
// from 1 on release day (k = 0) to 0 at c.PriorDays. The prior estimates
// release-day demand, which is a peak: once the title has its own days,
// they are the better evidence (see the package doc for the measurement).
func (c Config) PriorWeight(k int) float64 {
	return max(0, 1-float64(max(k, 0))/float64(max(c.PriorDays, 1)))
}

// Effective is own + weight × prior: the title's effective popularity.
func Effective(own, weight float64, p Prior) float64 { return own + weight*p.Plays }

// Config returns the store's configuration (PriorDays for PriorWeight).
func (s *Store) Config() Config { return s.cfg }
