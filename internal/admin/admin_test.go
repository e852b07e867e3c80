package admin

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestEndpoints(t *testing.T) {
	reg := prometheus.NewRegistry()
	c := prometheus.NewCounter(prometheus.CounterOpts{Name: "admin_test_total", Help: "x"})
	reg.MustRegister(c)
	c.Add(3)
	var notReady atomic.Bool
	s := New(Config{Gatherer: reg, Ready: func() (bool, string) {
		if notReady.Load() {
			return false, "draining"
		}
		return true, "ready"
	}})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	base := "http://" + ln.Addr().String()

	if code, body := get(t, base+"/metrics"); code != 200 || !strings.Contains(body, "admin_test_total 3") {
		t.Fatalf("/metrics = %d %q", code, body)
	}
	if code, _ := get(t, base+"/healthz"); code != 200 {
		t.Fatalf("/healthz = %d", code)
	}
	if code, _ := get(t, base+"/readyz"); code != 200 {
		t.Fatalf("/readyz = %d", code)
	}
	notReady.Store(true)
	if code, body := get(t, base+"/readyz"); code != 503 || !strings.Contains(body, "draining") {
		t.Fatalf("/readyz when not ready = %d %q", code, body)
	}
	if code, _ := get(t, base+"/nope"); code != 404 {
		t.Fatalf("unknown path = %d", code)
	}
	http.DefaultClient.CloseIdleConnections()
	if err := s.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func TestRoutesAreListedAndAuthenticated(t *testing.T) {
	const token = "admin-test-token-0123456789"
	s := New(Config{Gatherer: prometheus.NewRegistry(), Tokens: []string{token}})
	api := NewMux()
	api.HandleFunc("POST /v1/thing/{id}", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "did "+r.PathValue("id")) })
	s.HandleAuth(api)
	s.Handle("/page/", http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "page") }))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	defer func() { s.Shutdown(context.Background()); <-done }()
	base := "http://" + ln.Addr().String()
	call := func(method, path, tok string) int {
		req, _ := http.NewRequest(method, base+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, tc := range []struct {
		method, path, tok string
		want              int
	}{
		{"POST", "/v1/thing/7", "", 401},
		{"POST", "/v1/thing/7", "Bearer-but-wrong-0123456789", 401},
		{"POST", "/v1/thing/7", token, 200},
		{"GET", "/debug/pprof/", "", 401},
		{"GET", "/debug/pprof/", token, 200},
		{"GET", "/v1/routes", "", 401},
		{"GET", "/v1/unknown", "", 401}, // no probing for routes without a token
		{"GET", "/v1/unknown", token, 404},
		{"GET", "/page/x", "", 200},
		{"GET", "/metrics", "", 200},
	} {
		if got := call(tc.method, tc.path, tc.tok); got != tc.want {
			t.Errorf("%s %s (token %q): %d, want %d", tc.method, tc.path, tc.tok, got, tc.want)
		}
	}
	want := map[string]bool{"POST /v1/thing/{id}": true, "/page/": false, "GET /metrics": false, "GET /debug/pprof/": true, "GET /v1/routes": true, "/v1/": true}
	got := map[string]bool{}
	for _, r := range s.Routes() {
		got[r.Pattern] = r.Auth
	}
	for p, auth := range want {
		if a, ok := got[p]; !ok || a != auth {
			t.Errorf("route %q: listed %v, auth %v; want auth %v", p, ok, a, auth)
		}
	}
	http.DefaultClient.CloseIdleConnections()
}
