package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

// TestMain: some tests run steering in-process (a fasthttp server).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(testenv.WithBinaries(m), testenv.FasthttpGoroutines()...)
}

// proc is a running vodedge process.
type proc struct {
	cmd    *exec.Cmd
	stdout *testenv.Buffer
	stderr *testenv.Buffer
	done   chan error
}

func start(t testing.TB, args ...string) *proc {
	t.Helper()
	return startProc(t, args...)
}

// startProc starts vodedge with args in a temporary working directory
// (where the disk tier's default directory lands) and kills it at cleanup.
func startProc(t testing.TB, args ...string) *proc {
	return startProcWith(t, nil, args...)
}

// startProcWith is startProc with env as the process's environment (nil:
// this process's).
func startProcWith(t testing.TB, env []string, args ...string) *proc {
	p := &proc{cmd: exec.Command(testenv.Vodedge(t), args...), stdout: &testenv.Buffer{}, stderr: &testenv.Buffer{}, done: make(chan error, 1)}
	p.cmd.Env = env
	p.cmd.Dir = t.TempDir()
	p.cmd.Stdout, p.cmd.Stderr = p.stdout, p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// waitReady polls url until it answers 200 or the process exits.
func (p *proc) waitReady(t testing.TB, url string) {
	t.Helper()
	testenv.EventuallyErr(t, 15*time.Second, url+" to become ready", func() error {
		select {
		case err := <-p.done:
			p.done <- err
			t.Fatalf("vodedge exited early (%v):\n%s", err, p.stderr.String())
		default:
		}
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return nil
			}
			err = errors.New(resp.Status)
		}
		return fmt.Errorf("%w; stderr:\n%s", err, p.stderr.String())
	})
}

func (p *proc) wait(t testing.TB, d time.Duration) error {
	t.Helper()
	select {
	case err := <-p.done:
		p.done <- err
		return err
	case <-time.After(d):
		t.Fatalf("vodedge still running after %v:\n%s", d, p.stderr.String())
		return nil
	}
}

// gauge reads name{labels} from the /metrics of the daemon whose admin
// listener is adminAddr; a series it does not expose fails the test.
func gauge(t *testing.T, adminAddr, name string, labels ...string) int64 {
	t.Helper()
	fams, err := testenv.Scrape("http://" + adminAddr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	v, ok := fams.Value(name, labels...)
	if !ok {
		t.Fatalf("%s%v not in /metrics", name, labels)
	}
	return int64(v)
}

// runBinary runs vodedge to completion (at most 20 s) in a temporary
// directory and returns its output.
func runBinary(t *testing.T, args ...string) (string, error) {
	bin := testenv.Vodedge(t) // built before the clock starts: a link takes 30 s on a loaded machine
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = t.TempDir()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func get(t *testing.T, url string) (int, http.Header, []byte) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, b
}

func TestEdgeRunsOnEmbeddedDefaultsWithConfigFile(t *testing.T) {
	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	cfg := filepath.Join(t.TempDir(), "edge.yaml")
	os.WriteFile(cfg, []byte(fmt.Sprintf("listen: %s\nadmin: 127.0.0.1:1\nnode-name: from-file\nsite: ams\nram-bytes: 64MiB\n", listen)), 0o600)
	p := start(t, "edge", "--config", cfg, "--admin", adminAddr) // the flag wins over the file's admin
	p.waitReady(t, "http://"+adminAddr+"/readyz")

	code, h, body := get(t, "http://"+listen+"/sample/master.m3u8")
	if code != 200 || !bytes.HasPrefix(body, []byte("#EXTM3U")) || h.Get("X-Served-By") != "from-file" {
		t.Fatalf("sample master: %d %q served by %q", code, body, h.Get("X-Served-By"))
	}
	if code, _, _ := get(t, "http://"+listen+"/metrics"); code != 404 {
		t.Fatalf("/metrics on the public listener: %d, want 404 (admin only)", code)
	}
	code, _, body = get(t, "http://"+adminAddr+"/metrics")
	if code != 200 || !bytes.Contains(body, []byte(`vodedge_edge_requests_total{status="200",tier="MISS"} 1`)) {
		t.Fatalf("admin /metrics: %d\n%s", code, body)
	}
	if code, _, _ := get(t, "http://"+adminAddr+"/healthz"); code != 200 {
		t.Fatalf("/healthz %d", code)
	}

	p.cmd.Process.Signal(syscall.SIGTERM)
	if err := p.wait(t, 10*time.Second); err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, p.stderr.String())
	}
	line, _, _ := bytes.Cut([]byte(p.stdout.String()), []byte("\n"))
	var rec map[string]any
	if err := json.Unmarshal(line, &rec); err != nil {
		t.Fatalf("access log line %q: %v", line, err)
	}
	if rec["path"] != "/sample/master.m3u8" || rec["node"] != "from-file" || rec["site"] != "ams" || rec["tier"] != "MISS" {
		t.Fatalf("access log record %v", rec)
	}
}

// TestSIGTERMFinishesInFlightResponses starts a response that waits on a
// paused origin, sends SIGTERM, then lets the origin finish: the client
// must get the whole body and the process must exit 0.
func TestSIGTERMFinishesInFlightResponses(t *testing.T) {
	const size = 300_000
	release := make(chan struct{})
	org := testenv.NewOrigin(t)
	org.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		w.Header().Set("Content-Range", fmt.Sprintf("bytes 0-%d/%d", size-1, size))
		w.WriteHeader(http.StatusPartialContent)
		w.Write(bytes.Repeat([]byte("a"), size/2))
		w.(http.Flusher).Flush()
		<-release
		w.Write(bytes.Repeat([]byte("b"), size/2))
		return true
	})

	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	p := start(t, "edge", "--listen", listen, "--admin", adminAddr, "--origin", org.URL, "--access-log", "off")
	p.waitReady(t, "http://"+adminAddr+"/readyz")

	resp, err := http.Get("http://" + listen + "/seg.m4s")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	first := make([]byte, 1000)
	if _, err := io.ReadFull(resp.Body, first); err != nil {
		t.Fatal(err)
	}
	p.cmd.Process.Signal(syscall.SIGTERM)
	// Shutdown begins while the response is in flight.
	testenv.Eventually(t, 10*time.Second, "the edge to log that it is shutting down", func() bool {
		return strings.Contains(p.stderr.String(), "shutting down")
	})
	close(release)
	rest, err := io.ReadAll(resp.Body)
	if err != nil || len(first)+len(rest) != size {
		t.Fatalf("in-flight response: %v, %d bytes of %d", err, len(first)+len(rest), size)
	}
	if err := p.wait(t, 10*time.Second); err != nil {
		t.Fatalf("exit: %v\n%s", err, p.stderr.String())
	}
	if !strings.Contains(p.stderr.String(), "shutting down") {
		t.Fatalf("no shutdown log:\n%s", p.stderr.String())
	}
}

func TestBadSettingsFailWithAClearMessage(t *testing.T) {
	dir := t.TempDir()
	typo := filepath.Join(dir, "typo.yaml")
	os.WriteFile(typo, []byte("ram-byte: 1GiB\n"), 0o600)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"edge", "--config", typo}, `unknown setting "ram-byte"`},
		{[]string{"edge", "--ram-bytes", "lots"}, "not a byte count"},
		{[]string{"edge", "--listen", "127.0.0.1:7", "--admin", "127.0.0.1:7"}, "--admin must differ from --listen"},
		{[]string{"edge", "--origin", "ftp://x/y", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}, `unknown scheme "ftp"`},
		{[]string{"edge", "--slice-bytes", "1KiB", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}, "slice size must be within"},
		{[]string{"edge", "--log-level", "loud"}, "--log-level"},
		{[]string{"edge", "--ram-sendfile-min", "64KiB", "--ram-sendfile-max", "32KiB", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}, "the largest (32768 bytes) is below the smallest (65536)"},
		{[]string{"edge", "--report-url", "http://127.0.0.1:1/v1/popularity/batches/n", "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}, "--report-url: shipping the access log needs it in a file"},
		{[]string{"edge", "--report-url", "ftp://x", "--access-log", filepath.Join(dir, "a.log"), "--listen", "127.0.0.1:0", "--admin", "127.0.0.1:0"}, `URL "ftp://x"`},
	} {
		out, err := runBinary(t, tc.args...)
		if err == nil || !strings.Contains(out, tc.want) {
			t.Errorf("%v: err=%v, output %q; want a failure mentioning %q", tc.args, err, out, tc.want)
		}
	}
}

func TestHelpOnEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"edge", "--help"}} {
		out, err := exec.Command(testenv.Vodedge(t), args...).CombinedOutput()
		if err != nil || !bytes.Contains(out, []byte("Usage:")) {
			t.Errorf("%v: %v\n%s", args, err, out)
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(must(exec.Command(testenv.Vodedge(t), "edge", "--help").Output())))
	var flags []string
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) > 0 && strings.HasPrefix(f[0], "--") {
			flags = append(flags, f[0])
		}
	}
	for _, want := range []string{"--listen", "--admin", "--origin", "--s3-endpoint", "--s3-region", "--ram-bytes", "--node-name", "--site", "--config"} {
		if !strings.Contains(strings.Join(flags, " "), want) {
			t.Errorf("edge --help lacks %s", want)
		}
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// The example configuration shipped in deploy/ must stay valid.
func TestExampleConfigLoads(t *testing.T) {
	tokens := filepath.Join(t.TempDir(), "tokens")
	os.WriteFile(tokens, []byte("example-token-0123456789\n"), 0o600)
	listen, adminAddr := testenv.FreeAddr(t), testenv.FreeAddr(t)
	cfg, err := filepath.Abs("../../deploy/config/edge.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p := start(t, "edge", "--config", cfg, "--listen", listen, "--admin", adminAddr, "--origin", "sample:",
		"--disk", t.TempDir()+":64MiB", "--access-log", "off", "--admin-token-file", tokens)
	p.waitReady(t, "http://"+adminAddr+"/readyz")
	if code, h, _ := get(t, "http://"+listen+"/sample/master.m3u8"); code != 200 || h.Get("X-Served-By") != "ams-edge-01" {
		t.Fatalf("%d served by %q", code, h.Get("X-Served-By"))
	}
}
