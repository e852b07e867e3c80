package steering

import (
	"encoding/json"
	"net/netip"
	"testing"
)

// TestClientSite: a client belongs to the site of its most specific
// prefix, the same site Decide ranks first; a client no prefix matches
// belongs to no site, even though Decide still ranks sites for it.
func TestClientSite(t *testing.T) {
	env := newTestEnv(t, func(c *Config) { c.DefaultOrder = []string{"ams", "fra"} })
	for _, c := range []struct{ client, site, prefix string }{
		{"10.1.2.3", "ams", "10.1.0.0/16"},
		{"10.2.2.3", "fra", "10.2.0.0/16"},
		{"10.9.2.3", "fra", "10.0.0.0/8"},
		{"::ffff:10.1.0.1", "ams", "10.1.0.0/16"},
		{"192.0.2.1", "", ""},
		{"2001:db8::1", "", ""},
	} {
		site, match, ok := env.e.ClientSite(netip.MustParseAddr(c.client))
		if site != c.site || ok != (c.site != "") || (ok && match.String() != c.prefix) {
			t.Errorf("%s: site %q prefix %v ok %v, want %q %q", c.client, site, match, ok, c.site, c.prefix)
		}
		if d := env.decide(c.client, "/t/a"); c.site != "" && d.BestSite != c.site {
			t.Errorf("%s: Decide ranks %s first, ClientSite says %s", c.client, d.BestSite, c.site)
		}
	}
}

// TestSiteRoute: GET /v1/site answers the client's site as JSON, from
// the peer's address; other methods are refused.
func TestSiteRoute(t *testing.T) {
	s := newTestService(t)
	s.table.Add("static:ams", netip.MustParsePrefix("10.1.0.0/16"), "ams")
	type reply struct{ Client, Site, Prefix string }
	for _, c := range []struct {
		peer string
		want reply
	}{
		{"10.1.4.5", reply{"10.1.4.5", "ams", "10.1.0.0/16"}},
		{"192.0.2.1", reply{"192.0.2.1", "", ""}},
	} {
		resp := serveOnce(t, s, "GET", "/v1/site", c.peer)
		var got reply
		if err := json.Unmarshal(resp.Body(), &got); err != nil || resp.StatusCode() != 200 || got != c.want {
			t.Errorf("from %s: %d %s (%v), want %+v", c.peer, resp.StatusCode(), resp.Body(), err, c.want)
		}
		if ct := string(resp.Header.ContentType()); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
	}
	if resp := serveOnce(t, s, "POST", "/v1/site", "10.1.4.5"); resp.StatusCode() != 405 {
		t.Errorf("POST /v1/site: %d", resp.StatusCode())
	}
}
