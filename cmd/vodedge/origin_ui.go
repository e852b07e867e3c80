package main

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/webui"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/controller/client"
)

// originUIOpts are the controller's flags for the web pages, served under
// /ui/ on its admin listener (internal/webui).
type originUIOpts struct {
	edges      []string
	steerURL   string
	steerAdmin string
	tokenFile  string
}

func (u *originUIOpts) bind(f *pflag.FlagSet) {
	f.StringSliceVar(&u.edges, "ui-edges", nil, "admin addresses (host:port) of edges for the status page at /ui/status/ on --admin; one per site is enough, the others are learned from its cluster view")
	f.StringVar(&u.steerURL, "ui-steer-url", "", "steering's public base URL as browsers reach it (http://steer:8088), for the player page at /ui/player/")
	f.StringVar(&u.steerAdmin, "ui-steer-admin", "", "steering's admin address (host:port), for the status page's steering figures")
	f.StringVar(&u.tokenFile, "ui-admin-token-file", "", "bearer token file of the edges' and steering's admin APIs (the status page reads /v1/cluster, /v1/fill, /v1/sites)")
}

// routes reads the flags' token file and returns the pages' mount.
func (u *originUIOpts) routes(apiTokens []string, log *slog.Logger) (controller.AdminRoutes, error) {
	cfg := webui.Config{SteerURL: u.steerURL, SteerAdmin: withScheme(u.steerAdmin)}
	for _, e := range u.edges {
		cfg.Edges = append(cfg.Edges, withScheme(e))
	}
	t, err := readTokens("ui-admin-token-file", u.tokenFile)
	if err != nil {
		return nil, err
	}
	if t != nil {
		cfg.AdminToken = t[0]
	}
	token := ""
	if len(apiTokens) > 0 {
		token = apiTokens[0]
	}
	return uiRoutes(cfg, webui.Deps{Logger: log}, token), nil
}

// uiRoutes mounts the pages on the controller's admin listener under
// /ui/; the catalog is read through the controller's own API at apiURL
// with token. The demo mounts its pages with it too.
func uiRoutes(cfg webui.Config, deps webui.Deps, token string) controller.AdminRoutes {
	return func(ad *admin.Server, apiURL string) error {
		cli, err := client.New(apiURL, token, &http.Client{Timeout: 5 * time.Second})
		if err != nil {
			return err
		}
		deps.Catalog, deps.Registry, deps.Popularity = catalogSearch(cli), registrySites(cli), sitePopularity(cli)
		ui, err := webui.New(cfg, deps)
		if err != nil {
			return err
		}
		ad.Handle("/ui/", http.StripPrefix("/ui", ui.Handler()))
		return nil
	}
}

// catalogSearch lists published titles through the controller's API,
// with their popularity (plays per day, all sites).
func catalogSearch(cli *client.Client) webui.Catalog {
	return webui.CatalogFunc(func(ctx context.Context, q string) ([]webui.Title, error) {
		res, err := cli.Search(ctx, url.Values{"q": {q}, "status": {"published"}, "limit": {"100"}})
		if err != nil {
			return nil, err
		}
		plays, _ := titlePlays(ctx, cli, nil) // without it the row is empty, not the page
		out := make([]webui.Title, 0, len(res.Hits))
		for _, hit := range res.Hits {
			w := uiTitle(hit.Title)
			w.Popularity = plays[hit.ID]
			out = append(out, w)
		}
		return out, nil
	})
}

// sitePopularity reads titles' plays per day at one site through the
// controller's API, for the home page's "Popular here" row.
func sitePopularity(cli *client.Client) webui.Popularity {
	return webui.PopularityFunc(func(ctx context.Context, site string) (map[string]float64, error) {
		return titlePlays(ctx, cli, url.Values{"site": {site}, "limit": {"10000"}})
	})
}

// titlePlays reads titles' plays per day (params as for
// client.Popularity) through the controller's API, summed by title.
func titlePlays(ctx context.Context, cli *client.Client, params url.Values) (map[string]float64, error) {
	scores, err := cli.Popularity(ctx, true, params)
	if err != nil {
		return nil, err
	}
	plays := make(map[string]float64, len(scores))
	for _, s := range scores {
		plays[s.Name] += s.Popularity
	}
	return plays, nil
}

// uiTitle is a catalog title as the pages show it.
func uiTitle(t *catalog.Title) webui.Title {
	dir := "/titles/" + t.ID + "/"
	w := webui.Title{ID: t.ID, Title: t.Title, Description: t.Description, Tags: t.Tags, Year: t.Year, Rating: t.Rating,
		Languages: t.Languages, DurationMS: t.DurationMS, Master: dir + "master.m3u8", Warnings: t.ViewerWarnings,
		Published: t.Published, DASH: dir + "manifest.mpd"} // every published title has both, as the public catalogue says
	if a := t.Artwork; a.Poster != nil {
		w.Poster = dir + a.Poster.File
	}
	if t.Artwork.Thumbnails != "" {
		w.Thumbnails = dir + t.Artwork.Thumbnails
	}
	if t.Artwork.Preview != nil {
		w.Preview = dir + t.Artwork.Preview.File
	}
	for _, s := range t.Subtitles {
		w.Subtitles = append(w.Subtitles, webui.Subtitle{Language: s.Language, Name: s.Name})
	}
	if m := t.Markers; m != nil {
		w.Markers = &webui.Markers{}
		if m.Intro != nil {
			w.Markers.Intro = &webui.Span{Start: m.Intro.Start, End: m.Intro.End}
		}
		if m.Credits != nil {
			w.Markers.Credits = &webui.Span{Start: m.Credits.Start}
		}
	}
	return w
}

// registrySites reads the controller's node registry through its API.
func registrySites(cli *client.Client) webui.Registry {
	return webui.RegistryFunc(func(ctx context.Context) ([]webui.RegistrySite, error) {
		res, err := cli.Sites(ctx)
		if err != nil {
			return nil, err
		}
		out := make([]webui.RegistrySite, 0, len(res.Sites))
		for _, s := range res.Sites {
			rs := webui.RegistrySite{Name: s.Name, Parents: s.Parents, Nodes: make([]webui.RegistryNode, 0, len(s.Nodes))}
			for _, n := range s.Nodes {
				rs.Nodes = append(rs.Nodes, webui.RegistryNode{Name: n.Name, Source: n.Source, State: n.State, Version: n.Version,
					CapacityBytes: n.CapacityBytes, LastReport: n.LastReport})
			}
			out = append(out, rs)
		}
		return out, nil
	})
}

func withScheme(addr string) string {
	if addr == "" || strings.Contains(addr, "://") {
		return addr
	}
	return "http://" + addr
}
