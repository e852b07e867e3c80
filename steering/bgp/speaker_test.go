package bgp

import (
	"context"
	"log/slog"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/steering/bgp/bgptest"
	"github.com/vodedge/vodedge/steering/prefix"
)

// testLogger writes warnings and errors to stderr: GoBGP's goroutines
// may log after a test ends, when t.Log is no longer allowed.
func testLogger(testing.TB) *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// at returns the sites for addr as "site@prefix …".
func at(tb *prefix.Table, addr string) string {
	var b []string
	for _, m := range tb.Lookup(netip.MustParseAddr(addr), nil) {
		b = append(b, m.Site+"@"+m.Prefix.String())
	}
	return strings.Join(b, " ")
}

// TestSpeakerLearnsAndWithdraws peers steering's speaker with two
// routers on loopback: r2 (steering connects to it) is ams's router, so
// its untagged routes are ams's; r3 (it connects to steering) tags its
// routes with communities. Announcements, re-announcements with other
// communities, withdrawals and a session going down all reach the prefix
// table; and steering re-advertises nothing it learned.
func TestSpeakerLearnsAndWithdraws(t *testing.T) {
	sp, r2p, r3p := bgptest.FreePort(t, "127.0.0.1"), bgptest.FreePort(t, "127.0.0.2"), bgptest.FreePort(t, "127.0.0.3")
	cfg := DefaultConfig()
	cfg.ASN, cfg.RouterID, cfg.Listen, cfg.ConnectRetry = 65001, "127.0.0.1", net.JoinHostPort("127.0.0.1", strconv.Itoa(sp)), time.Second
	cfg.Neighbors = []Neighbor{
		{Address: "127.0.0.2", Port: r2p, ASN: 65002, Site: "ams", LocalAddress: "127.0.0.1"},
		{Address: "127.0.0.3", Port: r3p, ASN: 65003, Passive: true},
	}
	cfg.Communities = map[string]string{"65000:1": "ams", "65000:2": "fra"}
	tb := prefix.New()
	reg := prometheus.NewRegistry()
	s, err := New(cfg, tb, Deps{Logger: testLogger(t), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	// Every GoBGP server starts before any has a peer (see bgptest.Start).
	r2 := bgptest.Start(t, bgptest.Config{IP: "127.0.0.2", Port: r2p, ASN: 65002, PeerIP: "127.0.0.1", PeerPort: sp, PeerASN: 65001, Passive: true})
	r3 := bgptest.Start(t, bgptest.Config{IP: "127.0.0.3", Port: r3p, ASN: 65003, PeerIP: "127.0.0.1", PeerPort: sp, PeerASN: 65001})
	if err := s.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	r2.Peer()
	r3.Peer()
	took := testenv.Eventually(t, 15*time.Second, "both sessions established", s.Established)
	t.Logf("sessions established after %v", took)

	r2.Announce("10.2.0.0/16")
	r2.Announce("2001:db8:2::/48")
	r3.Announce("10.3.0.0/16", "65000:2")
	r3.Announce("10.33.0.0/16", "65000:1", "65000:2", "65099:7")
	r3.Announce("10.99.0.0/16") // r3 has no site: an untagged route belongs to nobody
	r2.Announce("10.0.0.0/8", "65000:2")
	want := map[string]string{
		"10.2.1.1":      "ams@10.2.0.0/16 fra@10.0.0.0/8",
		"2001:db8:2::1": "ams@2001:db8:2::/48",
		"10.3.1.1":      "fra@10.3.0.0/16",
		"10.33.1.1":     "ams@10.33.0.0/16 fra@10.33.0.0/16",
		"10.99.1.1":     "fra@10.0.0.0/8",
	}
	took = testenv.Eventually(t, 5*time.Second, "announcements reach the table", func() bool {
		for a, w := range want {
			if at(tb, a) != w {
				return false
			}
		}
		return true
	})
	t.Logf("announcements in the table after %v", took)

	r2.Withdraw("10.2.0.0/16")
	took = testenv.Eventually(t, 5*time.Second, "withdrawal", func() bool { return at(tb, "10.2.1.1") == "fra@10.0.0.0/8" })
	t.Logf("a withdrawal reached the table after %v", took)
	r3.Announce("10.33.0.0/16", "65000:1") // fra no longer
	testenv.Eventually(t, 5*time.Second, "re-announcement", func() bool { return at(tb, "10.33.1.1") == "ams@10.33.0.0/16 fra@10.0.0.0/8" })

	if n := r2.Received("127.0.0.1"); n != 0 {
		t.Errorf("steering advertised %d routes to r2", n)
	}
	if got := testutil.ToFloat64(s.m.updates.WithLabelValues("unmapped")); got != 1 {
		t.Errorf("unmapped updates: %v", got)
	}

	r3.Stop()
	testenv.Eventually(t, 15*time.Second, "r3's routes go with its session", func() bool {
		return at(tb, "10.3.1.1") == "fra@10.0.0.0/8" && at(tb, "10.33.1.1") == "fra@10.0.0.0/8"
	})
	if err := testutil.GatherAndCompare(reg, strings.NewReader(`
# HELP vodedge_steer_bgp_session_up 1 when the BGP session with the neighbor is established.
# TYPE vodedge_steer_bgp_session_up gauge
vodedge_steer_bgp_session_up{neighbor="127.0.0.2",site="ams"} 1
vodedge_steer_bgp_session_up{neighbor="127.0.0.3",site=""} 0
`), "vodedge_steer_bgp_session_up"); err != nil {
		t.Error(err)
	}
	s.Stop()
	if c := tb.Claims(); len(c) != 0 {
		t.Errorf("claims left after Stop: %v", c)
	}
}

func TestConfigValidation(t *testing.T) {
	good := DefaultConfig()
	good.ASN, good.RouterID = 65001, "192.0.2.1"
	good.Neighbors = []Neighbor{{Address: "192.0.2.2", ASN: 65002, Site: "ams"}}
	if _, err := New(good, prefix.New(), Deps{}); err != nil {
		t.Fatal(err)
	}
	for name, mut := range map[string]func(*Config){
		"no ASN":          func(c *Config) { c.ASN = 0 },
		"v6 router ID":    func(c *Config) { c.RouterID = "::1" },
		"bad listen":      func(c *Config) { c.Listen = "nope" },
		"listen port 0":   func(c *Config) { c.Listen = "127.0.0.1:0" },
		"no neighbor":     func(c *Config) { c.Neighbors = nil },
		"bad neighbor":    func(c *Config) { c.Neighbors = []Neighbor{{Address: "router", ASN: 1}} },
		"twice":           func(c *Config) { c.Neighbors = append(c.Neighbors, c.Neighbors[0]) },
		"bad community":   func(c *Config) { c.Communities = map[string]string{"65536:1": "ams"} },
		"community, site": func(c *Config) { c.Communities = map[string]string{"1:1": ""} },
		"fast retry":      func(c *Config) { c.ConnectRetry = time.Millisecond },
	} {
		cfg := good
		cfg.Neighbors = append([]Neighbor(nil), good.Neighbors...)
		mut(&cfg)
		if _, err := New(cfg, prefix.New(), Deps{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if c, err := ParseCommunity("65000:100"); err != nil || FormatCommunity(c) != "65000:100" {
		t.Errorf("community round trip: %v %v", c, err)
	}
}
