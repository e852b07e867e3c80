package controller

import (
	"time"

	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/popularity"
)

// TitlePopularity is a title's popularity as the fill plan sees it
// (plays per day at Site, all sites when empty): its own smoothed
// history, its prior as a new release (origin/popularity's rule), the
// share of the prior still counted, and their sum.
type TitlePopularity struct {
	Site        string           `json:"site,omitempty"`
	Own         float64          `json:"own"`
	Prior       popularity.Prior `json:"prior"`
	PriorWeight float64          `json:"prior_weight"`
	Effective   float64          `json:"effective"`
}

// TitleView is GET /v1/titles/{id}'s answer: the title and its
// popularity.
type TitleView struct {
	*catalog.Title
	Popularity *TitlePopularity `json:"popularity,omitempty"`
}

// priorInputs is what the prior rule needs at a site: the published
// titles' profiles, their launch figures and the site's share of all
// traffic (1 with no traffic yet).
type priorInputs struct {
	profiles []popularity.Profile
	launch   map[string]float64
	share    float64
}

func (s *Server) priorInputs(site string, now time.Time) (*priorInputs, error) {
	in := &priorInputs{share: 1}
	released := map[string]time.Time{}
	err := s.cat.Each(func(t *catalog.Title) error {
		if t.Status == catalog.Published {
			in.profiles = append(in.profiles, profileOf(t, now))
			released[t.ID] = t.Published
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if in.launch, err = s.pop.Launches(site, released, now, popularity.DefaultPriorConfig()); err != nil {
		return nil, err
	}
	if site != "" {
		in.share, err = s.siteShare(site, now)
	}
	return in, err
}

// siteShare is the site's part of all sites' plays in the window.
func (s *Server) siteShare(site string, now time.Time) (float64, error) {
	var sums [2]float64
	for i, q := range []popularity.Query{{Site: site, Day: now, Limit: 1 << 30}, {Day: now, Limit: 1 << 30}} {
		scores, err := s.pop.Titles(q)
		if err != nil {
			return 0, err
		}
		for _, sc := range scores {
			sums[i] += sc.Popularity
		}
	}
	if sums[1] == 0 {
		return 1, nil
	}
	return sums[0] / sums[1], nil
}

// profileOf is a title as the prior rule sees it; one not published yet
// is released now (its prior counts whole).
func profileOf(t *catalog.Title, now time.Time) popularity.Profile {
	rel := t.Published
	if rel.IsZero() {
		rel = now
	}
	return popularity.Profile{ID: t.ID, Tags: t.Tags, Year: t.Year, Rating: t.Rating, Released: rel, Expected: t.ExpectedPlays}
}

// fillPriors returns the decayed prior (weight × plays per day) of each
// published title still within its prior days at site, for the fill
// plan; nil (and no extra reads) when there is none.
func (s *Server) fillPriors(site string) (map[string]float64, error) {
	now, cfg := s.now(), s.pop.Config()
	var fresh []*catalog.Title
	err := s.cat.Each(func(t *catalog.Title) error {
		if t.Status == catalog.Published && t.Class == catalog.Hot && cfg.PriorWeight(popularity.EvidenceDays(t.Published, now)) > 0 {
			fresh = append(fresh, t)
		}
		return nil
	})
	if err != nil || len(fresh) == 0 {
		return nil, err
	}
	in, err := s.priorInputs(site, now)
	if err != nil {
		return nil, err
	}
	out := make(map[string]float64, len(fresh))
	for _, t := range fresh {
		p := popularity.EstimatePrior(profileOf(t, now), in.profiles, in.launch, in.share, popularity.DefaultPriorConfig())
		out[t.ID] = cfg.PriorWeight(popularity.EvidenceDays(t.Published, now)) * p.Plays
	}
	return out, nil
}

// titlePopularity is t's popularity at site ("" for all sites).
func (s *Server) titlePopularity(t *catalog.Title, site string) (*TitlePopularity, error) {
	now := s.now()
	scores, err := s.pop.Titles(popularity.Query{Site: site, Day: now, Limit: 1 << 30})
	if err != nil {
		return nil, err
	}
	out := &TitlePopularity{Site: site}
	for _, sc := range scores {
		if sc.Name == t.ID {
			out.Own = sc.Popularity
		}
	}
	p := profileOf(t, now)
	if out.PriorWeight = s.pop.Config().PriorWeight(popularity.EvidenceDays(p.Released, now)); out.PriorWeight > 0 {
		in, err := s.priorInputs(site, now)
		if err != nil {
			return nil, err
		}
		out.Prior = popularity.EstimatePrior(p, in.profiles, in.launch, in.share, popularity.DefaultPriorConfig())
	} else {
		out.Prior = popularity.Prior{Source: popularity.FromNone}
	}
	out.Effective = popularity.Effective(out.Own, out.PriorWeight, out.Prior)
	return out, nil
}

// videoRenditions counts a title's video renditions (at least 1).
func videoRenditions(t *catalog.Title) int {
	n := 0
	for _, r := range t.Renditions {
		if r.Kind == "video" {
			n++
		}
	}
	return max(n, 1)
}
