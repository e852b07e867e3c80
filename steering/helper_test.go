package steering

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/steering/cluster"
)

// helperEnv makes the test binary run as an edge (runHelperEdge) instead
// of the tests: the integration test starts edges as real processes, so
// that it can kill one with SIGKILL.
const helperEnv = "VODEDGE_STEER_TEST_EDGE"

// runHelperEdge is a small edge: a member of its site's gossip, and an
// HTTP server that checks signed URLs exactly as the edge does (the raw
// request-target and the peer's address to Verify; 403 naming the
// reason) and answers 200 with its name; /v1/drain and /v1/undrain as on
// the edge's admin listener. It prints "READY gossip-addr http-addr" and
// runs until killed, or until SIGTERM (then it leaves gracefully).
func runHelperEdge() int {
	fail := func(err error) int { fmt.Fprintln(os.Stderr, "helper edge:", err); return 1 }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fail(err)
	}
	addr := ln.Addr().String()
	key, err := cluster.ParseKey([]byte(os.Getenv("EDGE_KEY")))
	if err != nil {
		return fail(err)
	}
	cfg := cluster.DefaultConfig()
	cfg.Name, cfg.GossipAddr, cfg.Key = os.Getenv("EDGE_NAME"), "127.0.0.1:0", key
	if j := os.Getenv("EDGE_JOIN"); j != "" {
		cfg.Join = strings.Split(j, ",")
	}
	cfg.Meta = cluster.Meta{Site: os.Getenv("EDGE_SITE"), HTTPAddr: addr, AdminAddr: addr, PeerAddr: "127.0.0.1:9", Weight: 1, CapacityBps: 1e9, Version: "test"}
	cl, err := cluster.New(cfg, cluster.Deps{})
	if err != nil {
		return fail(err)
	}
	keys, err := urlsign.ParseKeys([]byte(os.Getenv("EDGE_URLKEYS")))
	if err != nil {
		return fail(err)
	}
	v, err := urlsign.NewVerifier(keys, urlsign.VerifierConfig{})
	if err != nil {
		return fail(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/v1/", cl.AdminRoutes())
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		peer, _ := netip.ParseAddrPort(r.RemoteAddr)
		rest, err := v.Verify([]byte(r.RequestURI), peer.Addr().Unmap())
		if err != nil {
			http.Error(w, "forbidden: "+err.Error(), http.StatusForbidden)
			return
		}
		w.Header().Set("X-Served-By", cfg.Name)
		fmt.Fprintf(w, "%s %s\n", cfg.Name, rest)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	if err := cl.Start(nil); err != nil {
		return fail(err)
	}
	fmt.Printf("READY %s %s\n", cl.GossipAddr(), addr)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGTERM)
	<-sig
	cl.Shutdown()
	srv.Close()
	return 0
}

// testEdge is a helper edge process.
type testEdge struct {
	name, site, gossip, http string
	cmd                      *exec.Cmd
}

// startTestEdge starts an edge of site with the gossip key and URL keys;
// join lists gossip addresses.
func startTestEdge(t *testing.T, name, site, key, urlKeys string, join ...string) *testEdge {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"=1", "EDGE_NAME="+name, "EDGE_SITE="+site, "EDGE_KEY="+key,
		"EDGE_JOIN="+strings.Join(join, ","), "EDGE_URLKEYS="+urlKeys)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	e := &testEdge{name: name, site: site, cmd: cmd}
	t.Cleanup(e.kill)
	line, err := bufio.NewReader(out).ReadString('\n')
	f := strings.Fields(line)
	if err != nil || len(f) != 3 || f[0] != "READY" {
		t.Fatalf("edge %s did not start: %q %v", name, line, err)
	}
	go io.Copy(io.Discard, out)
	e.gossip, e.http = f[1], f[2]
	return e
}

// kill ends the process with SIGKILL, as a crash would.
func (e *testEdge) kill() {
	if e.cmd.ProcessState == nil {
		_ = e.cmd.Process.Kill()
		_ = e.cmd.Wait()
	}
}

// post calls one of the edge's admin routes.
func (e *testEdge) post(t *testing.T, path string) {
	t.Helper()
	resp, err := http.Post("http://"+e.http+path, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("POST %s on %s: %s", path, e.name, resp.Status)
	}
}
