package webui

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"unicode/utf8"
)

// Popularity says how popular titles are at one site.
type Popularity interface {
	// TitlesAt returns the plays per day of titles at site, by title
	// ID; none for a site the controller has no plays of (an unknown
	// site among them).
	TitlesAt(ctx context.Context, site string) (plays map[string]float64, err error)
}

// PopularityFunc adapts a function to Popularity.
type PopularityFunc func(ctx context.Context, site string) (map[string]float64, error)

// TitlesAt calls f.
func (f PopularityFunc) TitlesAt(ctx context.Context, site string) (map[string]float64, error) {
	return f(ctx, site)
}

// maxSiteName bounds a site name.
const maxSiteName = 128

// checkSite checks a site name before it is passed on to the
// popularity store, where it is part of a key prefix: 1 to 128 bytes of
// UTF-8, no space, control character or /, and not . or .., so no odd
// byte or / reaches that prefix.
func checkSite(s string) error {
	if s == "" || s == "." || s == ".." || len(s) > maxSiteName || !utf8.ValidString(s) ||
		strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f || r == '/' }) {
		return fmt.Errorf("site %q: want 1 to %d bytes of UTF-8 without spaces, control characters or /", clipped(s), maxSiteName)
	}
	return nil
}

func clipped(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}

// atSite ranks titles by their popularity at site, when the controller
// has plays there. Otherwise (an unknown site, or one where nothing has
// been watched yet) the titles keep the all-sites popularity they came
// with and PopularitySite stays empty, which is how the page knows to
// name its row "Popular", not "Popular here". A failed lookup falls
// back the same way (logged): the row is less local, the page works.
func (u *UI) atSite(r *http.Request, site string, titles []Title) {
	if site == "" || u.deps.Popularity == nil {
		return
	}
	plays, err := u.deps.Popularity.TitlesAt(r.Context(), site)
	if err != nil {
		u.deps.Logger.Warn("popularity at the viewer's site failed; showing all sites", "site", site, "err", err)
		return
	}
	if !anyPlays(plays) {
		return
	}
	for i := range titles {
		titles[i].Popularity, titles[i].PopularitySite = plays[titles[i].ID], site
	}
}

func anyPlays(plays map[string]float64) bool {
	for _, p := range plays {
		if p > 0 {
			return true
		}
	}
	return false
}
