package webui

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestTitlesAtSite: /api/titles?site= ranks titles by their popularity
// at the site when the controller has plays there; an unknown site, a site without plays or a failed lookup gives the
// all-sites ranking with no popularity_site; a malformed site is a 400
// naming it.
func TestTitlesAtSite(t *testing.T) {
	cat := CatalogFunc(func(context.Context, string) ([]Title, error) {
		return []Title{{ID: "a", Popularity: 10}, {ID: "b", Popularity: 20}}, nil
	})
	pop := PopularityFunc(func(_ context.Context, site string) (map[string]float64, error) {
		switch site {
		case "ams":
			return map[string]float64{"a": 7}, nil
		case "fra":
			return map[string]float64{"a": 1, "b": 3}, nil
		case "quiet":
			return map[string]float64{"a": 0}, nil
		case "broken":
			return nil, errors.New("controller down")
		}
		return nil, nil
	})
	ui, err := New(Config{}, Deps{Catalog: cat, Popularity: pop})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(ui.Handler())
	defer srv.Close()
	all := map[string]float64{"a": 10, "b": 20}
	for _, c := range []struct {
		site string
		want map[string]float64
		at   string
	}{
		{"", all, ""},
		{"ams", map[string]float64{"a": 7, "b": 0}, "ams"},
		{"fra", map[string]float64{"a": 1, "b": 3}, "fra"},
		{"nowhere", all, ""},
		{"quiet", all, ""},
		{"broken", all, ""},
	} {
		got := getTitles(t, srv.URL+"/api/titles?q=&site="+url.QueryEscape(c.site))
		for _, ti := range got {
			if ti.Popularity != c.want[ti.ID] || ti.PopularitySite != c.at {
				t.Errorf("site %q: %s has %v at %q, want %v at %q", c.site, ti.ID, ti.Popularity, ti.PopularitySite, c.want[ti.ID], c.at)
			}
		}
		if len(got) != 2 {
			t.Errorf("site %q: %d titles", c.site, len(got))
		}
	}
	for _, bad := range []string{"a/b", "a b", "..", "x\x00", strings.Repeat("s", 129), "\xff"} {
		resp, err := http.Get(srv.URL + "/api/titles?site=" + url.QueryEscape(bad))
		if err != nil {
			t.Fatal(err)
		}
		var body struct{ Error string }
		_ = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.HasPrefix(body.Error, "site ") {
			t.Errorf("site %q: %s %q, want a 400 naming the site", bad, resp.Status, body.Error)
		}
	}
}

func getTitles(t *testing.T, u string) []Title {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out []Title
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %v", u, resp.Status, err)
	}
	return out
}

// FuzzCheckSite: a site name from the page's query string is accepted
// only as the controller's registry would take it.
func FuzzCheckSite(f *testing.F) {
	f.Fuzz(func(t *testing.T, s string) {
		if checkSite(s) != nil {
			return
		}
		if s == "" || len(s) > maxSiteName || !utf8.ValidString(s) || strings.ContainsAny(s, "/ \x00\n\x7f") {
			t.Fatalf("accepted %q", s)
		}
	})
}
