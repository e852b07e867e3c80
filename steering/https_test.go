package steering

import (
	"strings"
	"testing"

	"github.com/vodedge/vodedge/steering/cluster"
)

// TestHTTPSNodeURLs: a site configured for HTTPS sends players to the
// TLS port its nodes publish (their --tls-listen), and a node that
// publishes none keeps its http:// URL; other sites are unchanged.
func TestHTTPSNodeURLs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		https   bool
		tlsPort uint16
		want    string
	}{
		{"https site, TLS node", true, 8443, "https://127.0.0.1:8443/"},
		{"https site, plain node", true, 0, "http://127.0.0.1:"},
		{"http site, TLS node", false, 8443, "http://127.0.0.1:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := node("ams", "ams-1")
			m.TLSPort = tc.tlsPort
			v := newSiteView(SiteConfig{Name: "ams", Owners: 1, LoadThreshold: 0.9, HTTPS: tc.https}, []cluster.Member{m})
			if len(v.nodes) != 1 || !strings.HasPrefix(v.nodes[0].base+"/", tc.want) {
				t.Fatalf("base %q, want %q…", v.nodes[0].base, tc.want)
			}
		})
	}
}
