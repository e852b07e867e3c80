package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/webui"
	"github.com/vodedge/vodedge/origin"
	"github.com/vodedge/vodedge/origin/catalog"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/controller/client"
	"github.com/vodedge/vodedge/steering"
	"github.com/vodedge/vodedge/steering/cluster"
)

const siteTestToken = "site-popularity-token-0123456789"

// TestPopularAtTheViewersSite: steering maps 127.0.0.1 to site ams and
// 127.0.0.2 to site fra; the controller has a day of viewing of two
// titles at each site, the opposite way round. A viewer at each address
// asks steering for its site (GET /v1/site), then the pages' API for
// titles at that site, as the home page does, and sees its own site's
// ranking; a viewer no prefix matches (127.0.0.3) gets the all-sites
// ranking, and so does an unknown site; a malformed site is a 400.
func TestPopularAtTheViewersSite(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	steer := startSiteSteering(t, ctx)
	ctl := startSiteController(t, ctx, steer)
	pages := ctl.pages
	drama, comedy := ctl.importSample(t, ctx, "Drama"), ctl.importSample(t, ctx, "Comedy")
	for _, v := range []struct {
		title *catalog.Title
		site  string
		plays int
	}{{drama, "ams", 12}, {comedy, "ams", 3}, {drama, "fra", 2}, {comedy, "fra", 9}} {
		ctl.postViews(t, ctx, v.title, v.site, v.plays)
	}

	for _, v := range []struct {
		addr, site, popular string
		first               string
	}{
		{"127.0.0.1", "ams", "ams", drama.ID},
		{"127.0.0.2", "fra", "fra", comedy.ID},
		{"127.0.0.3", "", "", drama.ID}, // all sites: 14 plays against 12
	} {
		c := viewer(t, v.addr)
		var where struct{ Client, Site, Prefix string }
		getJSONFrom(t, c, steer+"/v1/site", &where)
		if where.Client != v.addr || where.Site != v.site {
			t.Fatalf("viewer %s: steering says %+v, want site %q", v.addr, where, v.site)
		}
		titles := titlesAt(t, c, pages, where.Site)
		if got := ranking(titles); len(got) != 2 || got[0].ID != v.first || got[0].PopularitySite != v.popular {
			t.Fatalf("viewer %s at %q: ranking %+v, want %s first, counted at %q", v.addr, v.site, got, v.first, v.popular)
		}
		t.Logf("viewer %s, site %q: %s %.2f, %s %.2f plays/day", v.addr, where.Site, titles[0].Title, titles[0].Popularity, titles[1].Title, titles[1].Popularity)
	}
	local := viewer(t, "127.0.0.1")
	if got := ranking(titlesAt(t, local, pages, "nowhere")); got[0].ID != drama.ID || got[0].PopularitySite != "" {
		t.Fatalf("an unknown site: %+v, want the all-sites ranking", got)
	}
	resp, err := local.Get(pages + "/api/titles?site=" + url.QueryEscape("a/../b"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a malformed site: %s, want 400", resp.Status)
	}
}

// startSiteSteering runs steering in-process with sites ams (clients
// 127.0.0.1/32) and fra (127.0.0.2/32), each watched alone (no edges are
// needed to say which site a client is at), and returns its public URL.
func startSiteSteering(t *testing.T, ctx context.Context) string {
	dir := t.TempDir()
	cfg := steering.DefaultServerConfig()
	cfg.Listen, cfg.Admin, cfg.ShutdownTimeout = "127.0.0.1:0", "127.0.0.1:0", 5*time.Second
	cfg.AdminTokens = []string{siteTestToken}
	svc := &cfg.Service
	svc.Watch, svc.PrefixFiles = map[string]cluster.Config{}, map[string]string{}
	for site, prefix := range map[string]string{"ams": "127.0.0.1/32\n", "fra": "127.0.0.2/32\n"} {
		svc.Engine.Sites = append(svc.Engine.Sites, steering.SiteConfig{Name: site})
		w := cluster.DefaultConfig()
		w.Name, w.GossipAddr, w.Insecure = "steer-"+site, "127.0.0.1:0", true
		svc.Watch[site], svc.PrefixFiles[site] = w, filepath.Join(dir, site+".cidr")
		if err := os.WriteFile(svc.PrefixFiles[site], []byte(prefix), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	srv, err := steering.NewServer(cfg, steering.ServerDeps{})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(ctx) }()
	t.Cleanup(func() { srv.Shutdown(context.Background()); <-done })
	base := "http://" + srv.Addrs().Public
	testenv.Eventually(t, 20*time.Second, "steering to answer", func() bool {
		code, _ := testenv.Get(http.DefaultClient, base+"/v1/site")
		return code == 200
	})
	return base
}

// siteController is the controller in-process as `vodedge origin` runs
// it, with the pages on its admin listener.
type siteController struct {
	srv   *controller.Server
	cli   *client.Client // its API
	pages string         // the pages' base URL (…/ui)
}

func startSiteController(t *testing.T, ctx context.Context, steerURL string) *siteController {
	cfg := controller.DefaultDaemonConfig(filepath.Join(t.TempDir(), "data"))
	cfg.Listen, cfg.Admin, cfg.ShutdownTimeout = "127.0.0.1:0", "127.0.0.1:0", 5*time.Second
	c := &cfg.Controller
	c.APITokens, c.TranscodeOptional, c.Tiering.ColdAfterDays = []string{siteTestToken}, true, 0
	pages := uiRoutes(webui.Config{SteerURL: steerURL}, webui.Deps{}, siteTestToken)
	d, err := controller.NewDaemon(ctx, cfg, controller.DaemonDeps{AdminRoutes: pages})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx) }()
	t.Cleanup(func() { d.Shutdown(context.Background()); <-done })
	a := d.Addrs()
	testenv.Eventually(t, 20*time.Second, "the controller to be ready", func() bool {
		code, _ := testenv.Get(http.DefaultClient, "http://"+a.Admin+"/readyz")
		return code == 200
	})
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	cli, err := client.New("http://"+a.Public, siteTestToken, &http.Client{Transport: tr, Timeout: 30 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return &siteController{srv: d.Controller(), cli: cli, pages: "http://" + a.Admin + "/ui"}
}

// importSample publishes the embedded sample as a title named name.
func (sc *siteController) importSample(t *testing.T, ctx context.Context, name string) *catalog.Title {
	t.Helper()
	ing, err := sc.srv.Import(ctx, catalog.Metadata{Title: name, Year: 2025}, origin.SampleFiles())
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	if _, err := sc.cli.WaitJob(wctx, ing.Job.ID, 50*time.Millisecond, nil); err != nil {
		t.Fatal(err)
	}
	title, err := sc.cli.Title(ctx, ing.Title.ID, false)
	if err != nil || title.Status != catalog.Published {
		t.Fatalf("title %s: %v %+v", name, err, title)
	}
	return title
}

// postViews posts plays of title at site yesterday, as the site's edges'
// access logs report them.
func (sc *siteController) postViews(t *testing.T, ctx context.Context, title *catalog.Title, site string, plays int) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	day := time.Now().UTC().Add(-24 * time.Hour)
	for p, files := range simulatedViewing(title, plays) {
		for _, f := range files {
			_ = enc.Encode(map[string]any{"time": day.Add(time.Duration(p) * time.Minute).Format(time.RFC3339Nano), "method": "GET",
				"path": "/" + trimSlash(f.Key), "status": 200, "bytes": f.Size, "site": site, "node": site + "-1"})
		}
	}
	if _, err := sc.cli.PostLogs(ctx, &buf); err != nil {
		t.Fatal(err)
	}
}

// viewer is a browser at addr (a loopback address of its own).
func viewer(t *testing.T, addr string) *http.Client {
	d := &net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(addr)}, Timeout: 10 * time.Second}
	tr := &http.Transport{DialContext: d.DialContext}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func getJSONFrom(t *testing.T, c *http.Client, u string, out any) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("GET %s: %s %v", u, resp.Status, err)
	}
}

// titlesAt is the home page's request: every title, popularity at site.
func titlesAt(t *testing.T, c *http.Client, pages, site string) []webui.Title {
	t.Helper()
	var out []webui.Title
	getJSONFrom(t, c, pages+"/api/titles?q=&site="+url.QueryEscape(site), &out)
	return out
}

// ranking orders titles as the popular row does: most plays first.
func ranking(titles []webui.Title) []webui.Title {
	sort.SliceStable(titles, func(i, j int) bool { return titles[i].Popularity > titles[j].Popularity })
	return titles
}
