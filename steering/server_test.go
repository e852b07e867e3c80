package steering

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/tlsreload"
	"github.com/vodedge/vodedge/steering/cluster"
)

const srvToken = "steer-admin-token-0123456789"

// srvMember starts an in-process node of site ams on loopback (gossip
// only: its HTTP address is where steering sends players).
func srvMember(t *testing.T) *cluster.Cluster {
	t.Helper()
	cfg := cluster.DefaultConfig()
	cfg.Name, cfg.GossipAddr, cfg.Insecure = "ams-1", "127.0.0.1:0", true
	cfg.Meta = cluster.Meta{Site: "ams", HTTPAddr: "127.0.0.1:18080", AdminAddr: "127.0.0.1:19090", PeerAddr: "127.0.0.1:18081",
		Weight: 1, CapacityBps: 1e9, Version: "test"}
	cl, err := cluster.New(cfg, cluster.Deps{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cl.Start(nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cl.Shutdown)
	return cl
}

// srvConfig is steering for site ams on loopback ports chosen at bind
// time, watching join's gossip, its clients 10.1.0.0/16 from a static
// file, the decision log in a file.
func srvConfig(t *testing.T, join string) ServerConfig {
	dir := t.TempDir()
	prefixes := filepath.Join(dir, "ams.cidr")
	if err := os.WriteFile(prefixes, []byte("10.1.0.0/16\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultServerConfig()
	cfg.Listen, cfg.Admin, cfg.AdminTokens = "127.0.0.1:0", "127.0.0.1:0", []string{srvToken}
	cfg.DecisionLog, cfg.ShutdownTimeout = filepath.Join(dir, "decisions.log"), time.Second
	e := &cfg.Service.Engine
	e.Sites, e.TrustedProxies = []SiteConfig{{Name: "ams"}}, []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8")}
	w := cluster.DefaultConfig()
	w.Name, w.GossipAddr, w.Insecure, w.Join = "steer-test", "127.0.0.1:0", true, []string{join}
	cfg.Service.Watch = map[string]cluster.Config{"ams": w}
	cfg.Service.PrefixFiles = map[string]string{"ams": prefixes}
	return cfg
}

// withTLS adds an HTTPS listener with a self-signed certificate and
// returns a client that trusts it.
func withTLS(t *testing.T, cfg *ServerConfig) *http.Client {
	dir := t.TempDir()
	cfg.TLSListen = "127.0.0.1:0"
	cfg.TLS = TLSFiles{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem")}
	if err := tlsreload.WriteSelfSigned(cfg.TLS.CertFile, cfg.TLS.KeyFile, "steer", []string{"127.0.0.1"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	pem, _ := os.ReadFile(cfg.TLS.CertFile)
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(pem)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// srvGet sends GET url as client (X-Forwarded-For) with an optional
// bearer token and returns the status and body.
func srvGet(t *testing.T, c *http.Client, url, client, token string) (int, string) {
	return testenv.Get(c, url, "X-Forwarded-For", client, "Authorization", testenv.Bearer(token))
}

// TestServerServesAndStops assembles steering in Go as `vodedge steer`
// does, on real loopback listeners: it is not ready before Run, then
// answers over HTTP and HTTPS with the watched node, guards its admin
// API, counts on /metrics, reloads, and on Shutdown stops, flushes the
// decision log and closes its listeners; a Server runs once.
func TestServerServesAndStops(t *testing.T) {
	member := srvMember(t)
	cfg := srvConfig(t, member.GossipAddr())
	tlsClient := withTLS(t, &cfg)
	srv, err := NewServer(cfg, ServerDeps{})
	if err != nil {
		t.Fatal(err)
	}
	a := srv.Addrs()
	if ok, detail := srv.Ready(); ok || detail != "starting" || strings.HasSuffix(a.Public, ":0") || a.TLS == "" || a.Admin == "" {
		t.Fatalf("before Run: ready %v %q, addrs %+v", ok, detail, a)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Run(context.Background()) }()
	testenv.Eventually(t, 10*time.Second, "steering ready with the site's node", func() bool {
		code, _ := srvGet(t, http.DefaultClient, "http://"+a.Admin+"/readyz", "", "")
		return code == 200 && countState(srv.Service().Sites(), "ok") == 1
	})

	const file = "/titles/t1/master.m3u8"
	for _, base := range []struct {
		url string
		c   *http.Client
	}{{"http://" + a.Public, http.DefaultClient}, {"https://" + a.TLS, tlsClient}} {
		code, body := srvGet(t, base.c, base.url+"/v1/steer?file="+file, "10.1.2.3", "")
		var ans steerAnswer
		if err := json.Unmarshal([]byte(body), &ans); err != nil || code != 200 || len(ans.Answers) != 1 ||
			!strings.HasPrefix(ans.Answers[0].URLs[0].URL, "http://127.0.0.1:18080/") || ans.Answers[0].URLs[0].Site != "ams" {
			t.Fatalf("GET %s/v1/steer: %d %s", base.url, code, body)
		}
	}
	if code, _ := srvGet(t, http.DefaultClient, "http://"+a.Admin+"/v1/sites", "", ""); code != 401 {
		t.Fatalf("admin API without a token: %d", code)
	}
	if code, body := srvGet(t, http.DefaultClient, "http://"+a.Admin+"/v1/sites", "", srvToken); code != 200 || !strings.Contains(body, "ams-1") {
		t.Fatalf("admin API with the token: %d %s", code, body)
	}
	if n := testenv.ScrapeMetric(t, "http://"+a.Admin+"/metrics", "vodedge_steer_requests_total", "mode", "json"); n != 2 {
		t.Fatalf("JSON requests counted: %v, want 2", n)
	}
	if err := srv.Reload(); err != nil {
		t.Fatalf("Reload: %v", err)
	}

	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, addr := range []string{a.Public, a.TLS, a.Admin} {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections after Shutdown", addr)
		}
	}
	if log, _ := os.ReadFile(cfg.DecisionLog); strings.Count(string(log), "\n") != 2 {
		t.Errorf("decision log after Shutdown: %q", log)
	}
	if err := srv.Run(context.Background()); !errors.Is(err, ErrStopped) {
		t.Fatalf("second Run: %v, want ErrStopped", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
}

// TestNewServerFailsCleanly: a busy port, a decision log that cannot be
// opened and a certificate that does not load are errors naming their
// field, and NewServer releases what it opened before the failure (the
// public port binds again at once); a server shut down before it ran
// closes its listeners.
func TestNewServerFailsCleanly(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	cfg := srvConfig(t, "127.0.0.1:9")
	cfg.Listen = testenv.FreeAddr(t)
	for field, mut := range map[string]func(*ServerConfig){
		"Admin":       func(c *ServerConfig) { c.Admin = busy.Addr().String() },
		"Listen":      func(c *ServerConfig) { c.Listen = busy.Addr().String() },
		"DecisionLog": func(c *ServerConfig) { c.DecisionLog = filepath.Join(t.TempDir(), "missing", "decisions.log") },
		"TLS": func(c *ServerConfig) {
			c.TLSListen, c.TLS = "127.0.0.1:0", TLSFiles{CertFile: c.DecisionLog, KeyFile: c.DecisionLog}
		},
	} {
		bad := cfg
		mut(&bad)
		_, err := NewServer(bad, ServerDeps{})
		var fe *daemon.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("NewServer with a bad %s: %v, want a FieldError naming it", field, err)
		}
	}
	srv, err := NewServer(cfg, ServerDeps{})
	if err != nil {
		t.Fatalf("NewServer after failed ones on the same port: %v", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, err := net.Dial("tcp", cfg.Listen); err == nil {
		c.Close()
		t.Fatal("a server shut down before it ran still listens")
	}
}

// TestServerConfigIsValidated: mistakes a Go caller can make are
// refused before anything is opened.
func TestServerConfigIsValidated(t *testing.T) {
	for name, mut := range map[string]func(*ServerConfig){
		"admin on the public address": func(c *ServerConfig) { c.Listen, c.Admin = "127.0.0.1:9", "127.0.0.1:9" },
		"no admin address":            func(c *ServerConfig) { c.Admin = "" },
		"TLS without files":           func(c *ServerConfig) { c.TLSListen = "127.0.0.1:0" },
		"files without TLS":           func(c *ServerConfig) { c.TLS = TLSFiles{CertFile: "c", KeyFile: "k"} },
		"no read timeout":             func(c *ServerConfig) { c.Limits.ReadTimeout = 0 },
		"tiny header limit":           func(c *ServerConfig) { c.Limits.MaxHeaderBytes = 100 },
		"negative connection limit":   func(c *ServerConfig) { c.Limits.MaxConnsPerClient = -1 },
		"no site":                     func(c *ServerConfig) { c.Service.Engine.Sites = nil },
	} {
		cfg := srvConfig(t, "127.0.0.1:9")
		mut(&cfg)
		if _, err := NewServer(cfg, ServerDeps{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}
