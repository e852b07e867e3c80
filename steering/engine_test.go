package steering

import (
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/steering/cluster"
	"github.com/vodedge/vodedge/steering/prefix"
)

// node is a member of site named name, alive and ok, at a distinct
// loopback address.
func node(site, name string) cluster.Member {
	return cluster.Member{Name: name, Meta: cluster.Meta{Site: site, HTTPAddr: "127.0.0.1:" + fmt.Sprint(8000+len(name)*7+int(name[len(name)-1])),
		Weight: 1, State: cluster.StateOK, CapacityBps: 1000}, Liveness: cluster.Alive}
}

type testEnv struct {
	e       *Engine
	table   *prefix.Table
	members map[string][]cluster.Member
	t       testing.TB
}

// newTestEnv: sites ams (ams-1..3) and fra (fra-1..2); ams serves
// 10.1.0.0/16, fra 10.2.0.0/16 and the covering 10.0.0.0/8.
func newTestEnv(t testing.TB, mut func(*Config)) *testEnv {
	t.Helper()
	cfg := DefaultConfig()
	cfg.Sites = []SiteConfig{{Name: "ams"}, {Name: "fra"}}
	cfg.OriginURL = "http://origin.example/vod/"
	if mut != nil {
		mut(&cfg)
	}
	tb := prefix.New()
	tb.Add("static:ams", netip.MustParsePrefix("10.1.0.0/16"), "ams")
	tb.Add("static:fra", netip.MustParsePrefix("10.2.0.0/16"), "fra")
	tb.Add("static:fra", netip.MustParsePrefix("10.0.0.0/8"), "fra")
	e, err := NewEngine(cfg, tb, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	env := &testEnv{e: e, table: tb, t: t, members: map[string][]cluster.Member{
		"ams": {node("ams", "ams-1"), node("ams", "ams-2"), node("ams", "ams-3")},
		"fra": {node("fra", "fra-1"), node("fra", "fra-2")},
	}}
	env.apply()
	return env
}

func (env *testEnv) apply() {
	for site, ms := range env.members {
		if err := env.e.SetMembers(site, ms); err != nil {
			env.t.Fatal(err)
		}
	}
}

// set changes a member and republishes its site.
func (env *testEnv) set(name string, f func(*cluster.Member)) {
	for site, ms := range env.members {
		for i := range ms {
			if ms[i].Name == name {
				f(&ms[i])
				env.e.SetMembers(site, ms)
				return
			}
		}
	}
	env.t.Fatalf("no member %s", name)
}

func (env *testEnv) decide(client, file string) *Decision {
	d := &Decision{}
	env.e.Decide(netip.MustParseAddr(client), file, d)
	return d
}

// nodes formats a decision as "outcome: node node …".
func nodes(d *Decision) string {
	var b []string
	for i := range d.Candidates {
		n := d.Candidates[i].Node
		if n == "" {
			n = "origin"
		}
		b = append(b, n)
	}
	return d.Outcome.String() + ": " + strings.Join(b, " ")
}

// owner is the edges' owner of file among the named nodes.
func owner(file string, names ...string) string {
	var ns []placement.Node
	for _, n := range names {
		ns = append(ns, placement.Node{Name: n, Weight: 1})
	}
	o, _ := placement.New(ns).Owner(file)
	return o
}

func TestDecideRanksSitesByPrefix(t *testing.T) {
	env := newTestEnv(t, nil)
	f := "/titles/t1/master.m3u8"
	ams, fra := owner(f, "ams-1", "ams-2", "ams-3"), owner(f, "fra-1", "fra-2")
	for _, c := range []struct{ client, want, match string }{
		{"10.1.2.3", "best: " + ams + " " + fra + " origin", "10.1.0.0/16"},
		{"10.2.2.3", "best: " + fra + " " + ams + " origin", "10.2.0.0/16"},
		{"10.9.2.3", "best: " + fra + " " + ams + " origin", "10.0.0.0/8"},      // the covering prefix
		{"192.0.2.1", "best: " + ams + " " + fra + " origin", "invalid Prefix"}, // default order
		{"::ffff:10.1.2.3", "best: " + ams + " " + fra + " origin", "10.1.0.0/16"},
	} {
		d := env.decide(c.client, f)
		if got := nodes(d); got != c.want || d.Match.String() != c.match {
			t.Errorf("%s: %s (match %s), want %s (match %s)", c.client, got, d.Match, c.want, c.match)
		}
	}
	d := env.decide("10.1.2.3", f)
	want := []struct{ reason, url string }{
		{"prefix", "http://" + memberAddr(env, ams) + f},
		{"prefix", "http://" + memberAddr(env, fra) + f}, // fra's 10.0.0.0/8 covers the client
		{"origin", "http://origin.example/vod" + f},
	}
	for i, w := range want {
		if c := &d.Candidates[i]; c.Reason() != w.reason || string(d.URL(i)) != w.url {
			t.Errorf("candidate %d: %s %s, want %s %s", i, c.Reason(), d.URL(i), w.reason, w.url)
		}
	}
	if d.ClientPrefix.String() != "10.1.2.0/24" || d.Candidates[0].SiteRank != 1 || d.Candidates[1].SiteRank != 2 || d.Candidates[1].Prefix.String() != "10.0.0.0/8" {
		t.Errorf("client prefix %s, ranks %d %d", d.ClientPrefix, d.Candidates[0].SiteRank, d.Candidates[1].SiteRank)
	}
	if d := env.decide("192.0.2.1", f); d.Candidates[0].Reason() != "default" {
		t.Errorf("unmatched client: reason %s", d.Candidates[0].Reason())
	}
}

func memberAddr(env *testEnv, name string) string {
	for _, ms := range env.members {
		for _, m := range ms {
			if m.Name == name {
				return m.HTTPAddr
			}
		}
	}
	return ""
}

// The holder of a file is its owner by the edges' placement, and each
// node holds about its share; the same client network and file always
// get the same answer.
func TestDecideFollowsPlacementAndIsStable(t *testing.T) {
	env := newTestEnv(t, nil)
	count := map[string]int{}
	for i := range 3000 {
		f := fmt.Sprintf("/titles/t%d/seg-%d.m4s", i/10, i%10)
		d := env.decide("10.1.2.3", f)
		if d.Candidates[0].Node != owner(f, "ams-1", "ams-2", "ams-3") {
			t.Fatalf("%s: %s is not the owner", f, d.Candidates[0].Node)
		}
		count[d.Candidates[0].Node]++
		for _, other := range []string{"10.1.2.200", "10.1.2.3"} {
			if d2 := env.decide(other, f); nodes(d2) != nodes(d) || string(d2.URL(0)) != string(d.URL(0)) {
				t.Fatalf("%s from %s: %s, from 10.1.2.3: %s", f, other, nodes(d2), nodes(d))
			}
		}
	}
	for n, c := range count {
		if c < 800 || c > 1200 {
			t.Errorf("%s holds %d of 3000 files", n, c)
		}
	}
}

func TestDecideHealthMisses(t *testing.T) {
	env := newTestEnv(t, nil)
	f := "/titles/t7/master.m3u8"
	all := []string{"ams-1", "ams-2", "ams-3"}
	first := owner(f, all...)
	var rest []string
	for _, n := range all {
		if n != first {
			rest = append(rest, n)
		}
	}
	second := owner(f, rest...)
	fra := owner(f, "fra-1", "fra-2")

	env.set(first, func(m *cluster.Member) { m.Liveness = cluster.Dead })
	d := env.decide("10.1.2.3", f)
	if got := nodes(d); got != "health_miss: "+second+" "+fra+" origin" || d.Misses != [numMisses]int{missDown: 1} {
		t.Fatalf("owner dead: %s, misses %v", got, d.Misses)
	}
	env.set(first, func(m *cluster.Member) { m.Liveness, m.State = cluster.Alive, cluster.StateDraining })
	if got := nodes(env.decide("10.1.2.3", f)); got != "health_miss: "+second+" "+fra+" origin" {
		t.Fatalf("owner draining: %s", got)
	}
	env.set(first, func(m *cluster.Member) { m.State, m.EgressBps = cluster.StateOK, 950 })
	d = env.decide("10.1.2.3", f)
	if got := nodes(d); got != "health_miss: "+fra+" origin" || d.Misses != [numMisses]int{missOverloaded: 1} {
		t.Fatalf("owner overloaded (it keeps its files; the next site serves): %s, misses %v", got, d.Misses)
	}
	env.set(first, func(m *cluster.Member) { m.EgressBps, m.State = 0, cluster.StateDegraded })
	if got := nodes(env.decide("10.1.2.3", f)); got != "best: "+first+" "+fra+" origin" {
		t.Fatalf("owner degraded (serves, stores nothing new): %s", got)
	}
	for _, n := range all {
		env.set(n, func(m *cluster.Member) { m.Liveness = cluster.Dead })
	}
	if got := nodes(env.decide("10.1.2.3", f)); got != "health_miss: "+fra+" origin" {
		t.Fatalf("site down: %s", got)
	}
	for _, n := range []string{"fra-1", "fra-2"} {
		env.set(n, func(m *cluster.Member) { m.Liveness = cluster.Left })
	}
	if got := nodes(env.decide("10.1.2.3", f)); got != "origin: origin" {
		t.Fatalf("everything down: %s", got)
	}
	env.e.cfg.OriginURL = ""
	if got := nodes(env.decide("10.1.2.3", f)); got != "none: " {
		t.Fatalf("everything down, no origin: %s", got)
	}
}

func TestDecideTwoOwnersSpreadClients(t *testing.T) {
	env := newTestEnv(t, func(c *Config) { c.Sites[0].Owners = 2; c.MaxURLs = 2 })
	f := "/titles/hot/seg-1.m4s"
	firsts := map[string]int{}
	for i := range 256 {
		d := env.decide(fmt.Sprintf("10.1.%d.1", i), f)
		if len(d.Candidates) != 2 || d.Candidates[1].Site != "ams" || d.Outcome != OutcomeBest {
			t.Fatalf("two owners in ams: %s", nodes(d))
		}
		firsts[d.Candidates[0].Node]++
	}
	if len(firsts) != 2 || firsts[owner(f, "ams-1", "ams-2", "ams-3")] < 80 {
		t.Fatalf("client networks spread over the owners as %v", firsts)
	}
}

// Two sites announcing the same prefix split the clients between them,
// each client network keeping its site.
func TestDecideTiesSpreadBySite(t *testing.T) {
	env := newTestEnv(t, nil)
	env.table.Add("bgp:x", netip.MustParsePrefix("10.1.0.0/16"), "fra")
	first := map[string]int{}
	for i := range 256 {
		c := fmt.Sprintf("10.1.%d.7", i)
		d := env.decide(c, "/t/x")
		first[d.Candidates[0].Site]++
		if d2 := env.decide(c, "/t/x"); nodes(d2) != nodes(d) {
			t.Fatal("unstable")
		}
	}
	if first["ams"] < 90 || first["fra"] < 90 {
		t.Fatalf("tied sites got %v of 256 client networks", first)
	}
}

type fakeContent map[string][]string // site/file → nodes

func (f fakeContent) Holders(site, key string) ([]string, bool) {
	if site != "ams" {
		return nil, false
	}
	return f[key], true
}

func TestDecideContentMiss(t *testing.T) {
	env := newTestEnv(t, nil)
	env.e.content = fakeContent{"/t/popular": {"ams-3", "ams-2", "ams-1"}, "/t/one": {"ams-2"}}
	if got := nodes(env.decide("10.1.2.3", "/t/rare")); got != "content_miss: "+owner("/t/rare", "fra-1", "fra-2")+" origin" {
		t.Fatalf("a file the site does not hold: %s", got)
	}
	if d := env.decide("10.1.2.3", "/t/one"); nodes(d) != "best: ams-2 "+owner("/t/one", "fra-1", "fra-2")+" origin" {
		t.Fatalf("a file one node holds: %s", nodes(d))
	}
	if d := env.decide("10.1.2.3", "/t/popular"); d.Outcome != OutcomeBest || d.Candidates[2].Site != "ams" {
		t.Fatalf("a file three nodes hold: %s", nodes(d))
	}
	env.set("ams-2", func(m *cluster.Member) { m.Liveness = cluster.Dead })
	if d := env.decide("10.1.2.3", "/t/one"); d.Outcome != OutcomeHealthMiss || d.Candidates[0].Site != "fra" {
		t.Fatalf("its only holder dead: %s", nodes(d))
	}
}

func TestDecideSignsNodeURLs(t *testing.T) {
	key := urlsign.Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}
	s, err := urlsign.NewSigner(key, urlsign.SignerConfig{ClientBitsV4: 24})
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, nil)
	env.e.signer = s
	v, _ := urlsign.NewVerifier([]urlsign.Key{key}, urlsign.VerifierConfig{})
	d := env.decide("10.1.2.3", "/titles/t1/master.m3u8")
	for i := range d.Candidates[:2] {
		u := string(d.URL(i))
		target := u[strings.Index(u[len("http://"):], "/")+len("http://"):]
		if rest, err := v.Verify([]byte(target), netip.MustParseAddr("10.1.2.77")); err != nil || string(rest) != "/titles/t1/master.m3u8" {
			t.Errorf("URL %s: %v", u, err)
		}
	}
	if o := string(d.URL(2)); o != "http://origin.example/vod/titles/t1/master.m3u8" {
		t.Errorf("origin URL %s", o)
	}
}

func TestConfigValidation(t *testing.T) {
	for name, mut := range map[string]func(*Config){
		"no sites":           func(c *Config) { c.Sites = nil },
		"site twice":         func(c *Config) { c.Sites = append(c.Sites, SiteConfig{Name: "ams"}) },
		"unknown in order":   func(c *Config) { c.DefaultOrder = []string{"lon"} },
		"twice in order":     func(c *Config) { c.DefaultOrder = []string{"ams", "ams"} },
		"owners":             func(c *Config) { c.Sites[0].Owners = 17 },
		"max URLs":           func(c *Config) { c.MaxURLs = 0 },
		"origin URL":         func(c *Config) { c.OriginURL = "ftp://x" },
		"client prefix bits": func(c *Config) { c.ClientBitsV4 = 40 },
	} {
		cfg := DefaultConfig()
		cfg.Sites = []SiteConfig{{Name: "ams"}, {Name: "fra"}}
		mut(&cfg)
		if _, err := NewEngine(cfg, prefix.New(), nil, nil); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// BenchmarkDecide is one decision on one core: prefix lookup among 10,000
// routes, 2 sites × 4 nodes, URLs signed, two node URLs and the origin.
func BenchmarkDecide(b *testing.B) {
	env := newTestEnv(b, nil)
	for i := range 10_000 {
		env.table.Add("bgp", netip.PrefixFrom(netip.AddrFrom4([4]byte{10, 1, byte(i >> 8), byte(i)}), 30), "ams")
	}
	env.members["ams"] = append(env.members["ams"], node("ams", "ams-4"))
	env.members["fra"] = append(env.members["fra"], node("fra", "fra-3"), node("fra", "fra-4"))
	env.apply()
	s, _ := urlsign.NewSigner(urlsign.Key{ID: "k1", Secret: make([]byte, 32)}, urlsign.SignerConfig{})
	env.e.signer = s
	files := make([]string, 1024)
	for i := range files {
		files[i] = fmt.Sprintf("/titles/%016x/video-h264-1080p/seg-%05d.m4s", i*7919, i)
	}
	client := netip.MustParseAddr("10.1.7.9")
	d := &Decision{}
	b.ReportAllocs()
	start := time.Now()
	for i := 0; b.Loop(); i++ {
		env.e.Decide(client, files[i&1023], d)
	}
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "decisions/s")
}
