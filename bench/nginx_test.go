package bench

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestNginxConfigAccepted has nginx itself check the generated config.
func TestNginxConfigAccepted(t *testing.T) {
	bin := testenv.Tool(t, "nginx")
	dir := t.TempDir()
	n := NewNginxStatic(NginxConfig{Binary: bin, Root: dir, WorkDir: dir})
	conf, err := n.config(8080)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"sendfile on;", "tcp_nopush on;", "keepalive_requests 1000000;",
		"open_file_cache max=", "buffer=64k flush=1s;", "worker_processes auto;", "listen 127.0.0.1:8080;"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx.conf lacks %q", want)
		}
	}
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"logs", "temp"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	out, err := exec.Command(bin, "-t", "-p", dir+"/", "-c", path, "-e", filepath.Join(dir, "logs", "error.log")).CombinedOutput()
	if err != nil {
		t.Fatalf("nginx -t: %v\n%s\n%s", err, out, conf)
	}
}

// TestNginxStaticServesAndStops starts the peer, fetches a file and
// checks that Stop leaves no nginx process behind.
func TestNginxStaticServesAndStops(t *testing.T) {
	bin := testenv.Tool(t, "nginx")
	dir := t.TempDir()
	s := Scenario{Name: "t", Objects: 2, Size: 20000}
	if err := writeCorpus(filepath.Join(dir, "corpus"), []Scenario{s}); err != nil {
		t.Fatal(err)
	}
	n := NewNginxStatic(NginxConfig{Binary: bin, Root: filepath.Join(dir, "corpus"), WorkDir: filepath.Join(dir, "nginx")})
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	base, err := n.Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient()
	st, h, err := fetch(ctx, c, http.MethodGet, base+s.Paths()[1])
	c.CloseIdleConnections()
	if err != nil || st != 200 || h.Get("Content-Length") != "20000" || h.Get("Content-Type") != "video/iso.segment" {
		t.Errorf("GET: %d %v %v", st, h, err)
	}
	if len(n.PIDs()) < 2 {
		t.Errorf("PIDs = %v, want the master and its workers", n.PIDs())
	}
	if err := n.Stop(); err != nil {
		t.Errorf("Stop: %v", err)
	}
	if left := processesMentioning(dir); len(left) > 0 {
		t.Errorf("nginx processes left: %v", left)
	}
	if err := n.Stop(); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}
