package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/steering/cluster"
)

const clusterToken = "cluster-test-admin-token-0123"

// clusterEnv is a site of vodedge processes sharing a key, admin tokens
// and a counting HTTP origin.
type clusterEnv struct {
	t                  *testing.T
	keyFile, tokenFile string
	origin             *testenv.Origin
}

type clusterEdge struct {
	name, listen, admin, peer, gossip string
	p                                 *proc
}

func newClusterEnv(t *testing.T) *clusterEnv {
	dir := t.TempDir()
	e := &clusterEnv{t: t, keyFile: filepath.Join(dir, "key"), tokenFile: filepath.Join(dir, "tokens")}
	os.WriteFile(e.keyFile, []byte("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n"), 0o600)
	os.WriteFile(e.tokenFile, []byte(clusterToken+"\n"), 0o600)
	e.origin = startSegmentOrigin(t)
	return e
}

// startEdge starts a node of the site; join lists gossip addresses.
func (e *clusterEnv) startEdge(name string, join ...string) *clusterEdge {
	n := &clusterEdge{name: name, listen: testenv.FreeAddr(e.t), admin: testenv.FreeAddr(e.t), peer: testenv.FreeAddr(e.t), gossip: testenv.FreeAddr(e.t)}
	args := []string{"edge", "--node-name", name, "--site", "ams", "--listen", n.listen, "--admin", n.admin,
		"--peer-listen", n.peer, "--gossip-listen", n.gossip, "--cluster-key-file", e.keyFile,
		"--admin-token-file", e.tokenFile, "--origin", e.origin.URL, "--disk-bytes", "0", "--ram-bytes", "64MiB",
		"--access-log", "off", "--log-level", "warn"}
	if len(join) > 0 {
		args = append(args, "--join", strings.Join(join, ","))
	}
	n.p = start(e.t, args...)
	n.p.waitReady(e.t, "http://"+n.admin+"/readyz")
	return n
}

// startSite starts n nodes node-1… joined to node-1.
func (e *clusterEnv) startSite(n int) []*clusterEdge {
	var nodes []*clusterEdge
	for i := 1; i <= n; i++ {
		var join []string
		if i > 1 {
			join = []string{nodes[0].gossip}
		}
		nodes = append(nodes, e.startEdge(fmt.Sprintf("node-%d", i), join...))
	}
	e.waitAll(nodes, 10*time.Second, func(st cluster.Status) bool { return countState(st, "ok") == n })
	return nodes
}

func (e *clusterEnv) status(n *clusterEdge) (cluster.Status, error) {
	var st cluster.Status
	req, _ := http.NewRequest("GET", "http://"+n.admin+"/v1/cluster", nil)
	req.Header.Set("Authorization", "Bearer "+clusterToken)
	resp, err := (&http.Client{Timeout: 2 * time.Second}).Do(req)
	if err != nil {
		return st, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		return st, fmt.Errorf("/v1/cluster: %s", resp.Status)
	}
	return st, json.NewDecoder(resp.Body).Decode(&st)
}

// waitAll polls every node's /v1/cluster until cond holds for all.
func (e *clusterEnv) waitAll(nodes []*clusterEdge, d time.Duration, cond func(cluster.Status) bool) time.Duration {
	e.t.Helper()
	return testenv.EventuallyErr(e.t, d, "the cluster condition", func() error {
		for _, n := range nodes {
			st, err := e.status(n)
			if err != nil {
				return fmt.Errorf("%s: %w", n.name, err)
			}
			if !cond(st) {
				return fmt.Errorf("%s sees %+v", n.name, st)
			}
		}
		return nil
	})
}

func countState(st cluster.Status, state string) int {
	n := 0
	for _, m := range st.Members {
		if m.State == state {
			n++
		}
	}
	return n
}

func stateOf(st cluster.Status, name string) string {
	for _, m := range st.Members {
		if m.Name == name {
			return m.State
		}
	}
	return ""
}

// startSegmentOrigin is a real HTTP origin serving any /v/… path with
// deterministic bytes (segment), counting requests by path.
func startSegmentOrigin(t *testing.T) *testenv.Origin {
	o := testenv.NewOrigin(t)
	o.PutFunc(func(path string) (testenv.Object, bool) {
		if !strings.HasPrefix(path, "/v/") {
			return testenv.Object{}, false
		}
		return testenv.Object{Body: segment(path), ETag: `"v1"`, ModTime: time.Unix(1700000000, 0)}, true
	})
	return o
}

func segment(path string) []byte {
	return bytes.Repeat([]byte(path+"|"), 20_000/len(path))
}

// keyOwnedBy finds a fresh key that placement gives to owner among names.
func keyOwnedBy(t *testing.T, owner string, names []string, used map[string]bool) string {
	var nodes []placement.Node
	for _, n := range names {
		nodes = append(nodes, placement.Node{Name: n, Weight: 1})
	}
	tab := placement.New(nodes)
	for i := 0; i < 10_000; i++ {
		k := fmt.Sprintf("/v/title-%d/seg-%05d.m4s", i%7, i)
		if o, _ := tab.Owner(k); o == owner && !used[k] {
			used[k] = true
			return k
		}
	}
	t.Fatalf("no key for %s", owner)
	return ""
}

func (n *clusterEdge) get(t *testing.T, key string) {
	t.Helper()
	code, h, body := get(t, "http://"+n.listen+key)
	if code != 200 || !bytes.Equal(body, segment(key)) {
		t.Fatalf("%s GET %s: %d, %d bytes, X-Cache %s", n.name, key, code, len(body), h.Get("X-Cache"))
	}
}

// metric reads name{labels} from a node's /metrics (0 when absent).
func (n *clusterEdge) metric(t *testing.T, name string, labels ...string) float64 {
	t.Helper()
	return testenv.ScrapeMetric(t, "http://"+n.admin+"/metrics", name, labels...)
}

// A miss on node-1 for a file node-2 owns is served through node-2: the
// site fetches it from the origin once, however many nodes ask. With
// node-2 killed, node-1 goes to the origin at once (the connection is
// refused), and once node-2 is declared dead, without trying it.
func TestClusterPeerFillAndFailover(t *testing.T) {
	e := newClusterEnv(t)
	nodes := e.startSite(3)
	a, b, c := nodes[0], nodes[1], nodes[2]
	names := []string{"node-1", "node-2", "node-3"}
	used := map[string]bool{}

	k := keyOwnedBy(t, "node-2", names, used)
	a.get(t, k)
	c.get(t, k)
	b.get(t, k)
	if n := e.origin.Requests(k); n != 1 {
		t.Fatalf("%s: %d origin requests for the site, want 1", k, n)
	}
	if v := a.metric(t, "vodedge_peer_fetches_total", "outcome", "hit"); v != 1 {
		t.Fatalf("node-1 peer hits: %v", v)
	}
	own := keyOwnedBy(t, "node-1", names, used)
	a.get(t, own)
	if e.origin.Requests(own) != 1 || a.metric(t, "vodedge_peer_origin_fetches_total", "reason", "owner") != 1 {
		t.Fatal("a key node-1 owns was not fetched from the origin by node-1")
	}

	b.p.cmd.Process.Kill()
	<-b.p.done
	b.p.done <- nil
	k2 := keyOwnedBy(t, "node-2", names, used)
	a.get(t, k2) // node-2 refuses: straight to the origin
	if n := e.origin.Requests(k2); n != 1 {
		t.Fatalf("with node-2 down: %d origin requests", n)
	}
	e.waitAll([]*clusterEdge{a, c}, 5*time.Second, func(st cluster.Status) bool { return stateOf(st, "node-2") == "dead" })
	before := a.metric(t, "vodedge_peer_fetches_total", "outcome", "error")
	k3 := keyOwnedBy(t, "node-2", names, used)
	a.get(t, k3)
	if e.origin.Requests(k3) != 1 || a.metric(t, "vodedge_peer_fetches_total", "outcome", "error") != before {
		t.Fatalf("with node-2 dead: %d origin requests, peer errors %v → %v", e.origin.Requests(k3), before,
			a.metric(t, "vodedge_peer_fetches_total", "outcome", "error"))
	}
	if v := a.metric(t, "vodedge_cluster_members", "site", "ams", "state", "dead"); v != 1 {
		t.Fatalf("members dead gauge: %v", v)
	}
}

// Five nodes serve traffic for 2 s without any member changing state (no
// flapping); then one is SIGKILLed and every other node must mark it
// dead; then another. The time each took is printed (the design target
// is 3 s; the gossip timings in steering/cluster's doc give it) but not
// asserted: on a loaded 2-core machine a probe's answer can wait for a
// CPU, and only the outcome is the test's to check.
func TestClusterSIGKILLDetection(t *testing.T) {
	e := newClusterEnv(t)
	nodes := e.startSite(5)
	noFlapping(t, e, nodes, 2*time.Second)
	for round, victim := range []*clusterEdge{nodes[4], nodes[3]} {
		others := nodes[:len(nodes)-1-round]
		victim.p.cmd.Process.Kill()
		killed := time.Now()
		seen := map[string]time.Duration{}
		testenv.EventuallyErr(t, 30*time.Second, victim.name+" to be declared dead in every view", func() error {
			for _, n := range others {
				if _, ok := seen[n.name]; ok {
					continue
				}
				if st, err := e.status(n); err == nil && stateOf(st, victim.name) == "dead" {
					seen[n.name] = time.Since(killed)
				}
			}
			if len(seen) < len(others) {
				return fmt.Errorf("dead in %d of %d views: %v", len(seen), len(others), seen)
			}
			return nil
		})
		var worst time.Duration
		for _, d := range seen {
			worst = max(worst, d)
		}
		t.Logf("SIGKILL of %s with %d nodes: declared dead by all %d others after %v (each: %v)",
			victim.name, len(others)+1, len(others), worst.Round(time.Millisecond), seen)
	}
}

// noFlapping sends requests for new and known segments to every node for
// d and checks that no node saw any member change state meanwhile and
// that no peer request failed.
func noFlapping(t *testing.T, e *clusterEnv, nodes []*clusterEdge, d time.Duration) {
	t.Helper()
	changes := func() map[string]time.Time {
		out := map[string]time.Time{}
		for _, n := range nodes {
			st, err := e.status(n)
			if err != nil {
				t.Fatal(err)
			}
			for _, m := range st.Members {
				out[n.name+"/"+m.Name+"/"+m.State] = m.LastChange
			}
		}
		return out
	}
	before := changes()
	var wg sync.WaitGroup
	var requests atomic.Int64
	stop := time.Now().Add(d)
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &http.Client{Timeout: 5 * time.Second}
			for i := 0; time.Now().Before(stop); i++ {
				key := fmt.Sprintf("/v/load/seg-%d.m4s", (i*7+w)%200)
				resp, err := c.Get("http://" + nodes[(i+w)%len(nodes)].listen + key)
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					requests.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	after := changes()
	for k, v := range before {
		if !after[k].Equal(v) {
			t.Errorf("under load, %s changed (%v → %v)", k, v, after[k])
		}
	}
	for _, n := range nodes {
		for _, o := range []string{"timeout", "error"} {
			if v := n.metric(t, "vodedge_peer_fetches_total", "outcome", o); v != 0 {
				t.Errorf("%s: %v peer %s outcomes under load", n.name, v, o)
			}
		}
	}
	t.Logf("%d requests over %v through %d nodes: no member changed state, no peer request failed", requests.Load(), d, len(nodes))
}

// vodedge drain on one node is visible to the others (status CLI and
// /v1/cluster); undrain reverses it.
func TestClusterDrainWithTheCLI(t *testing.T) {
	e := newClusterEnv(t)
	nodes := e.startSite(3)
	cli := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(testenv.Vodedge(t), args...).CombinedOutput()
		if err != nil {
			t.Fatalf("vodedge %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	if out := cli("drain", "--admin", nodes[1].admin, "--token-file", e.tokenFile); out != "node-2: now draining\n" {
		t.Fatalf("drain: %q", out)
	}
	took := e.waitAll(nodes, 3*time.Second, func(st cluster.Status) bool { return stateOf(st, "node-2") == "draining" })
	t.Logf("drain visible on every node after %v", took)
	out := cli("status", "--admin", nodes[0].admin, "--token-file", e.tokenFile)
	if !strings.Contains(out, "2 ok, 1 draining") || !regexpLine(out, `node-2\s+ams\s+draining`) || !regexpLine(out, `node-1 \*\s+ams\s+ok`) {
		t.Fatalf("status table:\n%s", out)
	}
	var st cluster.Status
	if err := json.Unmarshal([]byte(cli("status", "--json", "--admin", nodes[2].admin, "--token-file", e.tokenFile)), &st); err != nil ||
		stateOf(st, "node-2") != "draining" || st.Node != "node-3" {
		t.Fatalf("status --json: %+v %v", st, err)
	}
	if out := cli("drain", "--admin", nodes[1].admin, "--token-file", e.tokenFile); out != "node-2: already draining\n" {
		t.Fatalf("second drain: %q", out)
	}
	cli("undrain", "--admin", nodes[1].admin, "--token-file", e.tokenFile)
	e.waitAll(nodes, 3*time.Second, func(st cluster.Status) bool { return stateOf(st, "node-2") == "ok" })

	bad := filepath.Join(t.TempDir(), "bad-token")
	os.WriteFile(bad, []byte("not-the-right-token-000\n"), 0o600)
	if out, err := exec.Command(testenv.Vodedge(t), "drain", "--admin", nodes[1].admin, "--token-file", bad).CombinedOutput(); err == nil ||
		!strings.Contains(string(out), "401") {
		t.Fatalf("drain with a wrong token: %v %s", err, out)
	}
}

func regexpLine(text, pattern string) bool {
	return regexp.MustCompile(`(?m)^` + pattern).MatchString(text)
}

func TestClusterSettingsFailWithAClearMessage(t *testing.T) {
	dir := t.TempDir()
	short := filepath.Join(dir, "short")
	os.WriteFile(short, []byte("c2hvcnQ=\n"), 0o600)
	listen := testenv.FreeAddr(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"edge", "--join", "127.0.0.1:7946"}, "--join needs --cluster-key-file"},
		{[]string{"edge", "--peer-listen", "127.0.0.1:1"}, "--peer-listen needs --cluster-key-file"},
		{[]string{"edge", "--cluster-key-file", short}, "cluster key: 5 bytes"},
		{[]string{"edge", "--cluster-key-file", filepath.Join(dir, "missing")}, "--cluster-key-file"},
		{[]string{"edge", "--cluster-insecure", "--listen", listen, "--peer-listen", listen}, "--peer-listen must differ from --listen"},
		{[]string{"edge", "--cluster-insecure", "--egress-capacity", "10GB"}, "--egress-capacity"},
		{[]string{"edge", "--cluster-insecure", "--site", strings.Repeat("s", 70)}, "site"},
		{[]string{"status"}, "--token-file is required"},
	} {
		args := tc.args
		if args[0] == "edge" { // safe defaults first: the case's own flags win
			args = append([]string{"edge", "--disk-bytes", "0", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}, args[1:]...)
		}
		out, err := runBinary(t, args...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("%v: err=%v, output %q; want a failure mentioning %q", tc.args, err, out, tc.want)
		}
	}
}

func TestClusterCommandsHelp(t *testing.T) {
	for _, c := range []string{"status", "drain", "undrain"} {
		out, err := exec.Command(testenv.Vodedge(t), c, "--help").CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Usage:")) || !bytes.Contains(out, []byte("--token-file")) || !bytes.Contains(out, []byte("--admin")) {
			t.Errorf("%s --help: %v\n%s", c, err, out)
		}
	}
	out, _ := exec.Command(testenv.Vodedge(t), "edge", "--help").CombinedOutput()
	for _, f := range []string{"--cluster-key-file", "--cluster-insecure", "--join", "--gossip-listen", "--peer-listen",
		"--advertise-host", "--capacity-weight", "--egress-capacity", "--owners-per-file", "--peer-timeout"} {
		if !bytes.Contains(out, []byte(f)) {
			t.Errorf("edge --help lacks %s", f)
		}
	}
}
