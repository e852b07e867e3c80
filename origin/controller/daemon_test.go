package controller_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/admin"
	"github.com/vodedge/vodedge/internal/daemon"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/tlsreload"
	"github.com/vodedge/vodedge/origin/controller"
	"github.com/vodedge/vodedge/origin/controller/client"
)

const daemonToken = "daemon-test-token-0123456789"

// daemonConfig is a controller on loopback ports chosen at bind time,
// its state in dir, usable without ffmpeg (titles only imported).
func daemonConfig(dir string) controller.DaemonConfig {
	cfg := controller.DefaultDaemonConfig(dir)
	cfg.Listen, cfg.Admin, cfg.ShutdownTimeout = "127.0.0.1:0", "127.0.0.1:0", 10*time.Second
	c := &cfg.Controller
	c.APITokens, c.TranscodeOptional, c.Tiering.ColdAfterDays = []string{daemonToken}, true, 0
	return cfg
}

// httpClient is a client whose idle connections are closed when the test
// ends (goleak); it trusts certFile when given.
func httpClient(t *testing.T, certFile string) *http.Client {
	tr := &http.Transport{}
	if certFile != "" {
		pem, err := os.ReadFile(certFile)
		if err != nil {
			t.Fatal(err)
		}
		pool := x509.NewCertPool()
		pool.AppendCertsFromPEM(pem)
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 10 * time.Second}
}

func call(t *testing.T, c *http.Client, url, token string) (int, string) {
	return testenv.Get(c, url, "Authorization", testenv.Bearer(token))
}

// statusPage is a caller's admin route as `vodedge origin` mounts its
// web pages: it reads the controller through its own API's client.
func statusPage(c *http.Client) controller.AdminRoutes {
	return func(ad *admin.Server, apiURL string) error {
		cli, err := client.New(apiURL, daemonToken, c)
		if err != nil {
			return err
		}
		ad.Handle("GET /ui/status", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			st, err := cli.Status(r.Context())
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			io.WriteString(w, "version "+st.Version)
		}))
		return nil
	}
}

// TestDaemonServesAndStops assembles the controller in Go as `vodedge
// origin` does, on real loopback listeners: not ready before Run, then
// its API over HTTP and HTTPS behind the token, the admin listener's
// metrics and a caller's page reading the API; Shutdown stops it,
// closes its listeners and its state (the data directory opens again),
// and a Daemon runs once.
func TestDaemonServesAndStops(t *testing.T) {
	dir := t.TempDir()
	cfg := daemonConfig(filepath.Join(dir, "data"))
	cfg.TLSListen = "127.0.0.1:0"
	cfg.TLS = controller.TLSFiles{CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem")}
	if err := tlsreload.WriteSelfSigned(cfg.TLS.CertFile, cfg.TLS.KeyFile, "origin", []string{"127.0.0.1"}, time.Hour); err != nil {
		t.Fatal(err)
	}
	plain, secure := httpClient(t, ""), httpClient(t, cfg.TLS.CertFile)
	d, err := controller.NewDaemon(context.Background(), cfg, controller.DaemonDeps{
		Deps: controller.Deps{Logger: testLogger(t), Version: "v-test"}, AdminRoutes: statusPage(plain)})
	if err != nil {
		t.Fatal(err)
	}
	a := d.Addrs()
	if ok, detail := d.Ready(); ok || detail != "starting" || strings.HasSuffix(a.Public, ":0") || a.TLS == "" {
		t.Fatalf("before Run: ready %v %q, addrs %+v", ok, detail, a)
	}
	done := make(chan error, 1)
	go func() { done <- d.Run(context.Background()) }()
	testenv.Eventually(t, 10*time.Second, "the controller to be ready", func() bool {
		code, _ := call(t, plain, "http://"+a.Admin+"/readyz", "")
		return code == 200
	})

	for _, api := range []struct {
		url string
		c   *http.Client
	}{{"http://" + a.Public, plain}, {"https://" + a.TLS, secure}} {
		if code, body := call(t, api.c, api.url+"/v1/status", daemonToken); code != 200 || !strings.Contains(body, `"v-test"`) {
			t.Fatalf("GET %s/v1/status: %d %s", api.url, code, body)
		}
		if code, _ := call(t, api.c, api.url+"/v1/status", ""); code != 401 {
			t.Fatalf("GET %s/v1/status without a token: %d", api.url, code)
		}
	}
	if code, body := call(t, plain, "http://"+a.Admin+"/ui/status", ""); code != 200 || body != "version v-test" {
		t.Fatalf("the caller's page: %d %s", code, body)
	}
	if code, _ := call(t, plain, "http://"+a.Admin+"/v1/routes", ""); code != 401 {
		t.Fatalf("admin API without a token: %d", code)
	}
	if n := testenv.ScrapeMetric(t, "http://"+a.Admin+"/metrics", "vodedge_tls_cert_not_after_seconds"); n == 0 {
		t.Fatal("/metrics lacks the daemon's certificate expiry")
	}
	if err := d.ReloadTLS(); err != nil {
		t.Fatalf("ReloadTLS: %v", err)
	}

	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	refused(t, a.Public, a.TLS, a.Admin)
	if err := d.Run(context.Background()); !errors.Is(err, controller.ErrStopped) {
		t.Fatalf("second Run: %v, want ErrStopped", err)
	}
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatalf("second Shutdown: %v", err)
	}
	reopen(t, cfg)
}

// refused fails the test if any of addrs still accepts connections.
func refused(t *testing.T, addrs ...string) {
	t.Helper()
	for _, addr := range addrs {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Errorf("%s still accepts connections", addr)
		}
	}
}

// reopen checks that cfg's data directory and listen address are free:
// a new daemon opens them, and is closed again before it runs.
func reopen(t *testing.T, cfg controller.DaemonConfig) {
	t.Helper()
	d, err := controller.NewDaemon(context.Background(), cfg, controller.DaemonDeps{Deps: controller.Deps{Logger: testLogger(t)}})
	if err != nil {
		t.Fatalf("NewDaemon on the released directory: %v", err)
	}
	addr := d.Addrs().Public
	if err := d.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	refused(t, addr)
}

// TestNewDaemonFailsCleanly: a busy port and a certificate that does not
// load are errors naming their field; a failure after the listeners are
// bound (the controller's state, the caller's routes) releases them and
// whatever was opened (the fixed port and the data directory open again
// at once).
func TestNewDaemonFailsCleanly(t *testing.T) {
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	dir := t.TempDir()
	cfg := daemonConfig(filepath.Join(dir, "data"))
	cfg.Listen = testenv.FreeAddr(t)
	for field, mut := range map[string]func(*controller.DaemonConfig){
		"Admin":  func(c *controller.DaemonConfig) { c.Admin = busy.Addr().String() },
		"Listen": func(c *controller.DaemonConfig) { c.Listen = busy.Addr().String() },
		"TLS": func(c *controller.DaemonConfig) {
			c.TLSListen, c.TLS = "127.0.0.1:0", controller.TLSFiles{CertFile: filepath.Join(dir, "none"), KeyFile: filepath.Join(dir, "none")}
		},
	} {
		bad := cfg
		mut(&bad)
		_, err := controller.NewDaemon(context.Background(), bad, controller.DaemonDeps{})
		var fe *daemon.FieldError
		if !errors.As(err, &fe) || fe.Field != field {
			t.Errorf("NewDaemon with a bad %s: %v, want a FieldError naming it", field, err)
		}
	}
	relative := cfg
	relative.Controller.DataDir = "relative/data"
	if _, err := controller.NewDaemon(context.Background(), relative, controller.DaemonDeps{}); !errors.Is(err, controller.ErrConfig) {
		t.Errorf("NewDaemon with a relative data directory: %v", err)
	}
	boom := errors.New("boom")
	_, err = controller.NewDaemon(context.Background(), cfg, controller.DaemonDeps{
		AdminRoutes: func(*admin.Server, string) error { return boom }})
	if !errors.Is(err, boom) {
		t.Errorf("NewDaemon with failing admin routes: %v", err)
	}
	reopen(t, cfg)
}

// TestDaemonConfigIsValidated: listener mistakes a Go caller can make
// are refused before anything is opened.
func TestDaemonConfigIsValidated(t *testing.T) {
	for name, mut := range map[string]func(*controller.DaemonConfig){
		"admin on the API address": func(c *controller.DaemonConfig) { c.Listen, c.Admin = "127.0.0.1:9", "127.0.0.1:9" },
		"no API address":           func(c *controller.DaemonConfig) { c.Listen = "" },
		"TLS without files":        func(c *controller.DaemonConfig) { c.TLSListen = "127.0.0.1:0" },
		"files without TLS":        func(c *controller.DaemonConfig) { c.TLS = controller.TLSFiles{CertFile: "c", KeyFile: "k"} },
	} {
		dir := filepath.Join(t.TempDir(), "data")
		cfg := daemonConfig(dir)
		mut(&cfg)
		if _, err := controller.NewDaemon(context.Background(), cfg, controller.DaemonDeps{}); err == nil {
			t.Errorf("%s: accepted", name)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s: the data directory was made before the configuration was checked", name)
		}
	}
}
