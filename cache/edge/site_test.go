package edge_test

import (
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// siteConfig is a member of site "lab" on loopback, joining join.
func siteConfig(t *testing.T, name string, join ...string) edge.Config {
	cfg := testConfig(t)
	cfg.Cache.NodeName, cfg.Cache.Site = name, "lab"
	cfg.Cluster = edge.DefaultCluster()
	cfg.Cluster.PeerListen = "127.0.0.1:0"
	m := &cfg.Cluster.Membership
	m.Insecure, m.GossipAddr, m.Join, m.Meta.CapacityBps = true, "127.0.0.1:0", join, 1e9
	return cfg
}

// TestSiteAsksTheOwnerFirst assembles a two-node site: each node's misses
// go through the key's owner, so however many objects both nodes serve,
// the origin is asked for each once, and the non-owner's bytes come from
// its peer.
func TestSiteAsksTheOwnerFirst(t *testing.T) {
	org := testenv.NewOrigin(t)
	a := start(t, siteConfig(t, "a"), edge.Deps{Origin: httpOrigin(t, org.URL)})
	b := start(t, siteConfig(t, "b", a.Addrs().Gossip), edge.Deps{Origin: httpOrigin(t, org.URL)})
	for _, n := range []*running{a, b} {
		testenv.Eventually(t, 10*time.Second, "both nodes to see the site", func() bool {
			return testenv.Metric(t, n.reg, "vodedge_cluster_members", "state", "ok", "site", "lab") == 2
		})
	}
	paths := []string{"/t/1.m4s", "/t/2.m4s", "/t/3.m4s", "/t/4.m4s", "/t/5.m4s", "/t/6.m4s"}
	for _, p := range paths {
		org.PutPattern(p, 100_000)
	}
	for _, n := range []*running{a, b} {
		for _, p := range paths {
			if code, _, body := get(t, "http://"+n.Addrs().Public+p); code != 200 || len(body) != 100_000 {
				t.Fatalf("%s: %d, %d bytes", p, code, len(body))
			}
		}
	}
	for _, p := range paths {
		if got := org.Requests(p); got != 1 {
			t.Errorf("origin asked %d times for %s, want once for the site", got, p)
		}
	}
	hits := testenv.Metric(t, a.reg, "vodedge_peer_fetches_total", "outcome", "hit") +
		testenv.Metric(t, b.reg, "vodedge_peer_fetches_total", "outcome", "hit")
	if hits < 1 {
		t.Fatalf("no slice came from a peer")
	}
}

func httpOrigin(t *testing.T, url string) *origin.HTTP {
	t.Helper()
	h, err := origin.NewHTTP(url, origin.HTTPOptions{HeaderTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}
