package steering

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"github.com/valyala/fasthttp"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/steering/bgp"
	"github.com/vodedge/vodedge/steering/bgp/bgptest"
	"github.com/vodedge/vodedge/steering/cluster"
)

const (
	amsKey  = "YW1zLWdvc3NpcC1rZXktMDEyMzQ1Njc4OWFiY2RlZjA="
	fraKey  = "ZnJhLWdvc3NpcC1rZXktMDEyMzQ1Njc4OWFiY2RlZjA="
	urlKeys = "k1 MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"
)

// steerAnswer is GET /v1/steer's JSON.
type steerAnswer struct {
	Client  string `json:"client"`
	Answers []struct {
		File    string `json:"file"`
		Outcome string `json:"outcome"`
		URLs    []struct {
			Rank     int    `json:"rank"`
			URL      string `json:"url"`
			Node     string `json:"node"`
			Site     string `json:"site"`
			SiteRank int    `json:"site_rank"`
			Reason   string `json:"reason"`
			Prefix   string `json:"prefix"`
		} `json:"urls"`
		PassedOver map[string]int `json:"passed_over"`
	} `json:"answers"`
}

type steerEnv struct {
	t    *testing.T
	svc  *Service
	base string
	reg  *prometheus.Registry
	log  *testenv.Buffer // the decision log
}

// ask asks steering for file as client (through X-Forwarded-For from a
// trusted proxy: every process here is on 127.0.0.1).
func (env *steerEnv) ask(client, file string) steerAnswer {
	env.t.Helper()
	req, _ := http.NewRequest("GET", env.base+"/v1/steer?file="+file, nil)
	req.Header.Set("X-Forwarded-For", client)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		env.t.Fatal(err)
	}
	defer resp.Body.Close()
	var a steerAnswer
	if err := json.NewDecoder(resp.Body).Decode(&a); err != nil || resp.StatusCode != 200 || len(a.Answers) != 1 {
		env.t.Fatalf("steer %s for %s: %s %v %+v", file, client, resp.Status, err, a)
	}
	return a
}

// first is the node of the first URL for client and file.
func (env *steerEnv) first(client, file string) string {
	a := env.ask(client, file)
	if len(a.Answers[0].URLs) == 0 {
		return ""
	}
	return a.Answers[0].URLs[0].Node
}

func (env *steerEnv) returns(client, file, node string) bool {
	for _, u := range env.ask(client, file).Answers[0].URLs {
		if u.Node == node {
			return true
		}
	}
	return false
}

// startSteering runs the service on loopback: ams's prefix 10.1.0.0/16
// comes over BGP from router (127.0.0.2, ams's router); fra's static file
// lists 10.2.0.0/16 and the covering 10.0.0.0/8.
func startSteering(t *testing.T, ams, fra []*testEdge, bgpPort, routerPort int) *steerEnv {
	t.Helper()
	dir := t.TempDir()
	fraFile := filepath.Join(dir, "fra.cidr")
	os.WriteFile(fraFile, []byte("# fra\n10.2.0.0/16\n10.0.0.0/8\n"), 0o644)
	keys, _ := urlsign.ParseKeys([]byte(urlKeys))
	signer, err := urlsign.NewSigner(keys[0], urlsign.SignerConfig{})
	if err != nil {
		t.Fatal(err)
	}
	watch := func(site, key string, join []*testEdge) cluster.Config {
		c := cluster.DefaultConfig()
		k, _ := cluster.ParseKey([]byte(key))
		c.Name, c.GossipAddr, c.Key = "steer-test", "127.0.0.1:0", k
		for _, e := range join {
			c.Join = append(c.Join, e.gossip)
		}
		return c
	}
	cfg := ServiceConfig{
		Engine:      DefaultConfig(),
		Watch:       map[string]cluster.Config{"ams": watch("ams", amsKey, ams), "fra": watch("fra", fraKey, fra)},
		PrefixFiles: map[string]string{"fra": fraFile},
		BGP: &bgp.Config{ASN: 65001, RouterID: "127.0.0.1", Listen: fmt.Sprintf("127.0.0.1:%d", bgpPort), ConnectRetry: time.Second, HoldTime: 9 * time.Second,
			Neighbors: []bgp.Neighbor{{Address: "127.0.0.2", Port: routerPort, ASN: 65002, Site: "ams", LocalAddress: "127.0.0.1"}}},
		Signer: signer,
	}
	cfg.Engine.Sites = []SiteConfig{{Name: "ams"}, {Name: "fra"}}
	cfg.Engine.OriginURL = "http://origin.invalid"
	cfg.Engine.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	env := &steerEnv{t: t, reg: prometheus.NewRegistry(), log: &testenv.Buffer{}}
	cfg.DecisionLog = env.log
	svc, err := New(cfg, Deps{Registerer: env.reg})
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	env.svc = svc
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &fasthttp.Server{Handler: svc.Handler()}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	t.Cleanup(func() { _ = srv.Shutdown(); <-done; svc.Stop() })
	env.base = "http://" + ln.Addr().String()
	return env
}

// TestSteeringEndToEnd: 2 sites × 2 edges (real processes in their
// sites' gossip), steering watching both, ams's prefix learned over BGP
// from a second speaker. Clients of each site's prefix get that site's
// node first, and the URL works on that edge; a killed node leaves the
// answers within 3 s; a drained node stops being first; a prefix
// withdrawn over BGP moves its clients to the next site.
func TestSteeringEndToEnd(t *testing.T) {
	ams1 := startTestEdge(t, "ams-1", "ams", amsKey, urlKeys)
	ams2 := startTestEdge(t, "ams-2", "ams", amsKey, urlKeys, ams1.gossip)
	fra1 := startTestEdge(t, "fra-1", "fra", fraKey, urlKeys)
	fra2 := startTestEdge(t, "fra-2", "fra", fraKey, urlKeys, fra1.gossip)
	edges := map[string]*testEdge{"ams-1": ams1, "ams-2": ams2, "fra-1": fra1, "fra-2": fra2}
	bgpPort, routerPort := bgptest.FreePort(t, "127.0.0.1"), bgptest.FreePort(t, "127.0.0.2")
	// The router's GoBGP server starts before steering's, and has its
	// peer only after (see bgptest.Start).
	router := bgptest.Start(t, bgptest.Config{IP: "127.0.0.2", Port: routerPort, ASN: 65002, PeerIP: "127.0.0.1", PeerPort: bgpPort, PeerASN: 65001, Passive: true})
	env := startSteering(t, []*testEdge{ams1, ams2}, []*testEdge{fra1}, bgpPort, routerPort)
	router.Peer()
	router.Announce("10.1.0.0/16")

	took := testenv.Eventually(t, 10*time.Second, "steering sees 4 nodes and the BGP route", func() bool {
		ok, _ := env.svc.Ready()
		return ok && countState(env.svc.Sites(), "ok") == 4 && len(env.svc.Table().Lookup(netip.MustParseAddr("10.1.0.1"), nil)) == 2
	})
	t.Logf("ready after %v (gossip joined, BGP session established, route learned)", took)

	const file = "/titles/t1/master.m3u8"
	amsClient, fraClient := "10.1.7.7", "10.2.7.7"
	a := env.ask(amsClient, file)
	urls := a.Answers[0].URLs
	if len(urls) != 3 || urls[0].Site != "ams" || urls[0].Reason != "prefix" || urls[0].Prefix != "10.1.0.0/16" ||
		urls[1].Site != "fra" || urls[1].Prefix != "10.0.0.0/8" || urls[2].Reason != "origin" || a.Answers[0].Outcome != "best" {
		t.Fatalf("ams client: %+v", a)
	}
	if f := env.ask(fraClient, file).Answers[0].URLs; f[0].Site != "fra" || f[1].Site != "ams" {
		t.Fatalf("fra client: %+v", f)
	}
	// The signed URL works on the edge it names, and only for its path.
	chosen := edges[urls[0].Node]
	body := get(t, urls[0].URL, 200)
	if !strings.HasPrefix(body, chosen.name+" "+file) {
		t.Fatalf("edge answered %q", body)
	}
	get(t, strings.Replace(urls[0].URL, "/titles/t1/", "/titles/t2/", 1), 403)
	// The redirect mode sends the player to the same first URL.
	if loc := redirect(t, env.base+file, amsClient); loc != urls[0].URL {
		t.Fatalf("302 to %s, JSON says %s", loc, urls[0].URL)
	}

	// Kill the chosen node: it must leave the answers within 3 s.
	killed := time.Now()
	chosen.kill()
	gone := testenv.Eventually(t, 5*time.Second, "the killed node leaves the answers", func() bool { return !env.returns(amsClient, file, chosen.name) })
	t.Logf("a SIGKILLed node left steering's answers %v after the kill", gone)
	if gone > 3*time.Second {
		t.Errorf("a killed node was still returned %v after the kill (target < 3 s)", time.Since(killed))
	}
	a = env.ask(amsClient, file)
	if u := a.Answers[0].URLs; u[0].Site != "ams" || a.Answers[0].Outcome != "health_miss" || a.Answers[0].PassedOver["down"] != 1 {
		t.Fatalf("after the kill: %+v", a)
	}

	// Drain fra's node for the fra client: it stops being first.
	drained := edges[env.first(fraClient, file)]
	drained.post(t, "/v1/drain")
	took = testenv.Eventually(t, 3*time.Second, "the drained node stops being first", func() bool { return env.first(fraClient, file) != drained.name })
	t.Logf("a drained node stopped being first after %v", took)
	if n := env.first(fraClient, file); n == "" || edges[n].site != "fra" {
		t.Fatalf("after the drain the fra client goes to %q", n)
	}
	drained.post(t, "/v1/undrain")

	// Withdraw ams's prefix over BGP: its clients move to fra (10.0.0.0/8).
	router.Withdraw("10.1.0.0/16")
	took = testenv.Eventually(t, 3*time.Second, "withdrawn prefix moves clients", func() bool {
		a := env.ask(amsClient, file)
		return a.Answers[0].URLs[0].Site == "fra" && a.Answers[0].URLs[0].Prefix == "10.0.0.0/8"
	})
	t.Logf("a BGP withdrawal moved its clients to the next site after %v", took)

	if got := testutil.ToFloat64(env.svc.m.decisions[OutcomeHealthMiss][matchPrefix]); got < 1 {
		t.Errorf("health misses counted: %v", got)
	}
	env.svc.dlog.close() // flush
	lines := strings.Split(strings.TrimSpace(env.log.String()), "\n")
	var first map[string]any
	if err := json.Unmarshal([]byte(lines[0]), &first); err != nil || first["client"] != "10.1.7.0/24" || first["file"] != file || first["site"] != "ams" {
		t.Fatalf("decision log line %q: %v", lines[0], err)
	}
	t.Logf("%d decisions logged, e.g. %s", len(lines), lines[len(lines)-1])
}

func countState(sites []SiteStatus, state string) int {
	n := 0
	for _, s := range sites {
		for _, nd := range s.Nodes {
			if nd.State == state {
				n++
			}
		}
	}
	return n
}

func get(t *testing.T, url string, want int) string {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		t.Fatalf("GET %s: %s %s, want %d", url, resp.Status, b, want)
	}
	return string(b)
}

func redirect(t *testing.T, url, client string) string {
	t.Helper()
	req, _ := http.NewRequest("GET", url, nil)
	req.Header.Set("X-Forwarded-For", client)
	resp, err := http.DefaultTransport.RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("GET %s: %s", url, resp.Status)
	}
	return resp.Header.Get("Location")
}
