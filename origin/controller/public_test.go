package controller

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin/catalog"
)

// publicEnv is a controller serving on loopback, with titles written
// straight into its catalogue in every state a title can be in.
func publicEnv(t *testing.T, pub PublicCatalog) (base string, srv *Server) {
	t.Helper()
	missing := filepath.Join(t.TempDir(), "no-ffmpeg")
	cfg := DefaultConfig(t.TempDir())
	cfg.FFprobe, cfg.Transcode.FFmpeg, cfg.TranscodeOptional = missing, missing, true
	cfg.Tiering.ColdAfterDays = 0
	cfg.Public, cfg.APITokens = pub, []string{"operator-secret"}
	srv, err := New(context.Background(), cfg, Deps{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Error(err)
		}
		<-done
	})
	pubAt := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	for _, ti := range []*catalog.Title{
		{ID: "open-water", Metadata: catalog.Metadata{Title: "Open Water", Tags: []string{"nature"}, Year: 2024}, Status: catalog.Published,
			Class: catalog.Hot, Published: pubAt, DurationMS: 6000,
			Renditions: []catalog.Rendition{{Name: "360p", Kind: "video", Codecs: "avc1.64001e", Width: 640, Height: 360, PeakBandwidth: 900_000}}},
		{ID: "old-reel", Metadata: catalog.Metadata{Title: "Old Reel", Tags: []string{"nature"}}, Status: catalog.Published, Class: catalog.Cold, Published: pubAt},
		{ID: "in-work", Metadata: catalog.Metadata{Title: "In Work", Tags: []string{"nature"}}, Status: catalog.Processing, Class: catalog.Hot},
		{ID: "held-one", Metadata: catalog.Metadata{Title: "Held One", Tags: []string{"nature"}}, Status: catalog.Held, Class: catalog.Hot},
	} {
		if err := srv.cat.Create(ti); err != nil {
			t.Fatal(err)
		}
	}
	return "http://" + ln.Addr().String(), srv
}

func get(t *testing.T, method, url string, hdr map[string]string) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(method, url, nil)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return resp, body
}

// TestPublicCatalogue: no token needed even when the API has tokens;
// only published titles, with public fields and playback entry points
// on steering; ETag revalidation; CORS; read-only; bad parameters are
// 400s naming the parameter.
func TestPublicCatalogue(t *testing.T) {
	base, _ := publicEnv(t, PublicCatalog{SteeringURL: "https://steer.example.net/"})
	resp, body := get(t, "GET", base+"/public/v1/titles?tag=nature", nil)
	if resp.StatusCode != 200 || resp.Header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(resp.Header.Get("Cache-Control"), "public, max-age=60") {
		t.Fatalf("list: %s %v %s", resp.Status, resp.Header, body)
	}
	if r, _ := get(t, "GET", base+"/v1/titles", nil); r.StatusCode != 401 {
		t.Fatalf("the operator API without a token: %s, want 401", r.Status)
	}
	var list publicList
	if err := json.Unmarshal(body, &list); err != nil {
		t.Fatal(err)
	}
	ids := map[string]publicTitle{}
	for _, ti := range list.Titles {
		ids[ti.ID] = ti
	}
	if list.Total != 2 || len(ids) != 2 || !ids["open-water"].Available || ids["old-reel"].Available {
		t.Fatalf("list: want the two published titles, the cold one unavailable: %s", body)
	}
	if strings.Contains(string(body), "in-work") || strings.Contains(string(body), "held") || strings.Contains(string(body), "sha256") ||
		strings.Contains(string(body), `"qc"`) || strings.Contains(string(body), `"files"`) {
		t.Errorf("list leaks unpublished titles or private fields: %s", body)
	}
	ow := ids["open-water"]
	if ow.Playback.HLS != "https://steer.example.net/titles/open-water/master.m3u8" || ow.Playback.DASH != "https://steer.example.net/titles/open-water/manifest.mpd" ||
		len(ow.Renditions) != 1 || ow.Renditions[0].Height != 360 {
		t.Errorf("open-water: %+v", ow)
	}

	resp, body = get(t, "GET", base+"/public/v1/titles/open-water", nil)
	etag := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || etag == "" || !strings.Contains(string(body), `"title":"Open Water"`) {
		t.Fatalf("title: %s %q %s", resp.Status, etag, body)
	}
	if resp, _ = get(t, "GET", base+"/public/v1/titles/open-water", map[string]string{"If-None-Match": `"x", W/` + etag}); resp.StatusCode != 304 {
		t.Errorf("If-None-Match with the ETag: %s, want 304", resp.Status)
	}
	for _, id := range []string{"in-work", "held-one", "nope"} {
		if resp, body = get(t, "GET", base+"/public/v1/titles/"+id, nil); resp.StatusCode != 404 || !strings.Contains(string(body), "no published title") {
			t.Errorf("%s: %s %s, want 404", id, resp.Status, body)
		}
	}
	for _, c := range []struct{ method, path, want string }{
		{"GET", "/public/v1/titles?status=processing", "400"},
		{"GET", "/public/v1/titles?limit=0", "400"},
		{"POST", "/public/v1/titles", "405"},
		{"DELETE", "/public/v1/titles/open-water", "405"},
		{"GET", "/public/v1/other", "404"},
		{"OPTIONS", "/public/v1/titles", "204"},
	} {
		resp, body := get(t, c.method, base+c.path, map[string]string{"Origin": "https://app.example"})
		if !strings.HasPrefix(resp.Status, c.want) || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
			t.Errorf("%s %s: %s %s, want %s with CORS", c.method, c.path, resp.Status, body, c.want)
		}
	}
}

// TestPublicCatalogueRateLimit: a client past its burst gets 429 with
// Retry-After; the limit is per address, so another loopback address
// still gets answers.
func TestPublicCatalogueRateLimit(t *testing.T) {
	base, _ := publicEnv(t, PublicCatalog{RatePerSec: 0.01, Burst: 3}) // one token per 100 s: no refill during the test
	for i := range 3 {
		if resp, body := get(t, "GET", base+"/public/v1/titles", nil); resp.StatusCode != 200 {
			t.Fatalf("request %d: %s %s", i+1, resp.Status, body)
		}
	}
	resp, body := get(t, "GET", base+"/public/v1/titles", nil)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") == "" || !strings.Contains(string(body), "too many requests") {
		t.Fatalf("4th request: %s Retry-After %q %s, want 429", resp.Status, resp.Header.Get("Retry-After"), body)
	}
	other := &http.Client{Transport: &http.Transport{DialContext: (&net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 2)}}).DialContext}}
	defer other.CloseIdleConnections()
	r2, err := other.Get(base + "/public/v1/titles")
	if err != nil {
		t.Fatal(err)
	}
	r2.Body.Close()
	if r2.StatusCode != 200 {
		t.Errorf("another address: %s, want 200", r2.Status)
	}
}

func TestClientLimiterStaysBounded(t *testing.T) {
	l := newClientLimiter(1, 1)
	now := time.Unix(1_700_000_000, 0)
	for i := range maxClients + 10 {
		l.allow(net.IPv4(10, byte(i>>16), byte(i>>8), byte(i)).String(), now)
	}
	if len(l.clients) != maxClients {
		t.Fatalf("%d clients remembered, want at most %d", len(l.clients), maxClients)
	}
	l.allow("192.0.2.1", now.Add(2*time.Minute))
	if len(l.clients) != 1 {
		t.Fatalf("after a minute idle: %d clients remembered, want 1", len(l.clients))
	}
}
