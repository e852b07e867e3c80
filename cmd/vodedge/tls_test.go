package main

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/tlsreload"
)

// certPair is a certificate and key file pair a test can rewrite.
type certPair struct{ cert, key string }

func newCertPair(t *testing.T, name string) certPair {
	dir := t.TempDir()
	p := certPair{filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")}
	p.rotate(t, name)
	return p
}

func (p certPair) rotate(t *testing.T, name string) {
	if err := tlsreload.WriteSelfSigned(p.cert, p.key, name, []string{"127.0.0.1", "localhost"}, 24*time.Hour); err != nil {
		t.Fatal(err)
	}
}

// pool trusts the pair's current certificate.
func (p certPair) pool(t *testing.T) *x509.CertPool {
	b, err := os.ReadFile(p.cert)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(b)
	return pool
}

// tlsGet sends GET path on an open TLS connection (keep-alive) and
// returns the status and body.
func tlsGet(t *testing.T, c *tls.Conn, br *bufio.Reader, path, token string) (int, string) {
	t.Helper()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	auth := ""
	if token != "" {
		auth = "Authorization: Bearer " + token + "\r\n"
	}
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n", path, auth); err != nil {
		t.Fatalf("write on the TLS connection: %v", err)
	}
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("read on the TLS connection: %v", err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp.StatusCode, string(b)
}

func cn(c *tls.Conn) string { return c.ConnectionState().PeerCertificates[0].Subject.CommonName }

// checkTLSReload drives a daemon serving HTTPS on addr: a request over a
// verified connection; a certificate rotated and SIGHUP sent: the open
// connection keeps working with the old certificate and new ones get the
// new one; a broken pair and SIGHUP: the new certificate stays. want is
// a substring of path's 200 body.
func checkTLSReload(t *testing.T, p *proc, pair certPair, addr, path, token, want, metrics string) {
	t.Helper()
	dial := func(pool *x509.CertPool) (*tls.Conn, *bufio.Reader) {
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatalf("TLS dial: %v", err)
		}
		t.Cleanup(func() { c.Close() })
		return c, bufio.NewReader(c)
	}
	old, oldR := dial(pair.pool(t))
	if code, body := tlsGet(t, old, oldR, path, token); code != 200 || !strings.Contains(body, want) {
		t.Fatalf("GET %s over TLS: %d %.200q", path, code, body)
	}

	pair.rotate(t, "rotated")
	p.cmd.Process.Signal(syscall.SIGHUP)
	newPool := pair.pool(t)
	testenv.Eventually(t, 10*time.Second, "the reloaded certificate", func() bool {
		c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: newPool, ServerName: "127.0.0.1"})
		if err != nil {
			return false
		}
		c.Close()
		return true
	})
	if code, _ := tlsGet(t, old, oldR, path, token); code != 200 || cn(old) == "rotated" {
		t.Fatalf("the connection opened before SIGHUP: %d, certificate %q", code, cn(old))
	}
	fresh, freshR := dial(newPool)
	if code, _ := tlsGet(t, fresh, freshR, path, token); code != 200 || cn(fresh) != "rotated" {
		t.Fatalf("a connection after SIGHUP: %d, certificate %q", code, cn(fresh))
	}

	os.WriteFile(pair.key, []byte("broken"), 0o600)
	p.cmd.Process.Signal(syscall.SIGHUP)
	testenv.Eventually(t, 10*time.Second, "the failed reload to be logged", func() bool {
		return strings.Contains(p.stderr.String(), "TLS certificate reload failed")
	})
	again, againR := dial(newPool)
	if code, _ := tlsGet(t, again, againR, path, token); code != 200 || cn(again) != "rotated" {
		t.Fatalf("after a failed reload: %d, certificate %q", code, cn(again))
	}
	if code, _, body := get(t, metrics); code != 200 || !strings.Contains(string(body), `vodedge_tls_reloads_total{result="error"} 1`) ||
		!strings.Contains(string(body), `vodedge_tls_reloads_total{result="ok"} 2`) {
		t.Fatalf("TLS metrics: %d\n%s", code, grepLines(string(body), "vodedge_tls"))
	}
}

func grepLines(text, substr string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, substr) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestTLSOnEveryPublicListener runs the edge, steering and the origin
// controller with --tls-listen beside their plain listener and rotates
// each one's certificate with SIGHUP while a connection is open.
func TestTLSOnEveryPublicListener(t *testing.T) {
	t.Run("edge", func(t *testing.T) {
		t.Parallel()
		pair := newCertPair(t, "edge")
		listen, adminAddr, tlsAddr := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "edge", "--listen", listen, "--admin", adminAddr, "--tls-listen", tlsAddr,
			"--tls-cert", pair.cert, "--tls-key", pair.key, "--disk-bytes", "0", "--access-log", "off")
		p.waitReady(t, "http://"+adminAddr+"/readyz")
		if code, _, body := get(t, "http://"+listen+"/sample/master.m3u8"); code != 200 || !strings.HasPrefix(string(body), "#EXTM3U") {
			t.Fatalf("plain HTTP beside TLS: %d", code)
		}
		checkTLSReload(t, p, pair, tlsAddr, "/sample/master.m3u8", "", "#EXTM3U", "http://"+adminAddr+"/metrics")
	})
	t.Run("steer", func(t *testing.T) {
		t.Parallel()
		pair := newCertPair(t, "steer")
		dir := t.TempDir()
		sites := filepath.Join(dir, "sites.yaml")
		os.WriteFile(sites, []byte("sites:\n  - name: ams\n    gossip: {join: [\"127.0.0.1:1\"], insecure: true, listen: \"127.0.0.1:0\"}\n"), 0o600)
		listen, adminAddr, tlsAddr := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "steer", "--sites", sites, "--listen", listen, "--admin", adminAddr, "--tls-listen", tlsAddr,
			"--tls-cert", pair.cert, "--tls-key", pair.key, "--origin-url", "https://origin.example.net",
			"--advertise-host", "127.0.0.1", "--decision-log", "off")
		p.waitReady(t, "http://"+adminAddr+"/healthz")
		checkTLSReload(t, p, pair, tlsAddr, "/v1/steer?file=/t/a.m4s", "", "origin.example.net", "http://"+adminAddr+"/metrics")
	})
	t.Run("origin", func(t *testing.T) {
		t.Parallel()
		pair := newCertPair(t, "origin")
		dir := t.TempDir()
		tokens := filepath.Join(dir, "tokens")
		const token = "origin-tls-token-0123456789"
		os.WriteFile(tokens, []byte(token+"\n"), 0o600)
		listen, adminAddr, tlsAddr := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
		p := start(t, "origin", "--data", filepath.Join(dir, "data"), "--listen", listen, "--admin", adminAddr,
			"--tls-listen", tlsAddr, "--tls-cert", pair.cert, "--tls-key", pair.key, "--api-token-file", tokens,
			"--ffmpeg", testenv.Tool(t, "ffmpeg"), "--ffprobe", testenv.Tool(t, "ffprobe"))
		p.waitReady(t, "http://"+adminAddr+"/readyz")
		checkTLSReload(t, p, pair, tlsAddr, "/v1/status", token, "{", "http://"+adminAddr+"/metrics")
	})
}

func TestTLSFlagsFailClearly(t *testing.T) {
	pair := newCertPair(t, "x")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"edge", "--tls-listen", "127.0.0.1:0"}, "--tls-listen needs --tls-cert and --tls-key"},
		{[]string{"edge", "--tls-cert", pair.cert, "--tls-key", pair.key}, "need --tls-listen"},
		{[]string{"edge", "--tls-listen", "127.0.0.1:0", "--tls-cert", pair.cert, "--tls-key", pair.cert}, "--tls-cert/--tls-key"},
		{[]string{"origin", "--no-api-auth", "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0", "--tls-key", pair.key}, "need --tls-listen"},
		{[]string{"edge", "--read-timeout", "0s"}, "--read-timeout must be positive"},
		{[]string{"edge", "--max-conns", "-2"}, "--max-conns -2"},
	} {
		out, err := runBinary(t, tc.args...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("%v: %v, want an error containing %q:\n%s", tc.args, err, tc.want, out)
		}
	}
}

// TestSteeringHandsOutHTTPSURLs: an edge with --tls-listen publishes its
// TLS port to the site; steering with --node-scheme https answers
// https:// URLs on that port, served by the edge over TLS; steering's own
// answer comes over TLS too (an HTTPS player page end to end).
func TestSteeringHandsOutHTTPSURLs(t *testing.T) {
	pair := newCertPair(t, "site")
	listen, adminAddr, tlsAddr, gossip := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
	edge := start(t, "edge", "--node-name", "tls-1", "--site", "ams", "--listen", listen, "--admin", adminAddr,
		"--tls-listen", tlsAddr, "--tls-cert", pair.cert, "--tls-key", pair.key, "--cluster-insecure",
		"--gossip-listen", gossip, "--peer-listen", testenv.FreeAddr(t), "--disk-bytes", "0", "--access-log", "off", "--log-level", "warn")
	edge.waitReady(t, "http://"+adminAddr+"/readyz")
	sites := filepath.Join(t.TempDir(), "sites.yaml")
	os.WriteFile(sites, []byte(fmt.Sprintf("sites:\n  - name: ams\n    gossip: {join: [%q], insecure: true, listen: \"127.0.0.1:0\"}\n", gossip)), 0o600)
	sl, sa, st := testenv.FreeAddr(t), testenv.FreeAddr(t), testenv.FreeAddr(t)
	steer := start(t, "steer", "--sites", sites, "--listen", sl, "--admin", sa, "--tls-listen", st, "--tls-cert", pair.cert, "--tls-key", pair.key,
		"--node-scheme", "https", "--advertise-host", "127.0.0.1", "--decision-log", "off", "--log-level", "warn")
	steer.waitReady(t, "http://"+sa+"/healthz")
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pair.pool(t)}}}
	defer c.CloseIdleConnections()
	var answer struct {
		Answers []struct {
			URLs []struct {
				URL string `json:"url"`
			} `json:"urls"`
		} `json:"answers"`
	}
	testenv.Eventually(t, 15*time.Second, "steering to send players to the edge over HTTPS", func() bool {
		resp, err := c.Get("https://" + st + "/v1/steer?file=/sample/master.m3u8")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		answer.Answers = nil
		return json.NewDecoder(resp.Body).Decode(&answer) == nil && len(answer.Answers) == 1 && len(answer.Answers[0].URLs) > 0 &&
			strings.HasPrefix(answer.Answers[0].URLs[0].URL, "https://"+tlsAddr+"/")
	})
	resp, err := c.Get(answer.Answers[0].URLs[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(string(body), "#EXTM3U") || resp.TLS == nil {
		t.Fatalf("GET %s: %d, TLS %v", answer.Answers[0].URLs[0].URL, resp.StatusCode, resp.TLS != nil)
	}
}
