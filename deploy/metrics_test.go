package deploy

import (
	"bufio"
	"fmt"
	"io"
	"maps"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/urlsign"
)

// TestDashboardAndAlertMetricsExist runs `vodedge demo` (controller,
// three edges, steering) and a steering instance with a BGP neighbor,
// sends some traffic (hits, misses, peer fetches, steering answers), and
// checks that every vodedge_* metric the Grafana dashboard and the alert
// rules use is in one of their live /metrics pages.
func TestDashboardAndAlertMetricsExist(t *testing.T) {
	used := map[string][]string{} // metric → files using it
	for _, f := range []string{"grafana/vodedge-dashboard.json", "prometheus/vodedge-alerts.yml"} {
		for _, m := range metricNames(t, f) {
			used[m] = append(used[m], f)
		}
	}
	if len(used) < 30 {
		t.Fatalf("only %d metrics found in the dashboard and rules; the scan is broken", len(used))
	}
	dir := t.TempDir()
	urls := startDemo(t, dir)
	traffic(t, dir, urls)
	urls["steer-bgp"] = startBGPSteer(t, dir)
	live := map[string]bool{}
	for name, u := range urls {
		if strings.HasSuffix(u, "/metrics") {
			for _, m := range scrape(t, u) {
				live[m] = true
			}
			t.Logf("%s: %s", name, u)
		}
	}
	var missing []string
	for m, files := range used {
		if !live[m] {
			missing = append(missing, fmt.Sprintf("%s (in %s)", m, strings.Join(files, ", ")))
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("metrics used but not exposed by any daemon:\n  %s", strings.Join(missing, "\n  "))
	}
	t.Logf("%d metrics used by the dashboard and the rules, all live", len(used))
}

// metricNames are the vodedge_* series names in a file's PromQL, with
// histogram suffixes removed.
func metricNames(t *testing.T, path string) []string {
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range regexp.MustCompile(`vodedge_[a-z0-9_]+`).FindAllString(string(raw), -1) {
		m = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(m, "_bucket"), "_sum"), "_count")
		if !slices.Contains(out, m) && !strings.HasPrefix(m, "vodedge_site") {
			out = append(out, m)
		}
	}
	return out
}

// startDemo runs `vodedge demo` in dir and returns the URLs it printed
// (metrics by daemon name, "steer-url" for steering's public listener).
func startDemo(t *testing.T, dir string) map[string]string {
	cmd := exec.Command(testenv.Vodedge(t), "demo", "--dir", dir, "--listen", "127.0.0.1:0", "--title-seconds", "12")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// stopped lets the reader drop lines once nobody reads them (the
	// test is over, whether it passed or failed), so it always reaches
	// the end of the output and Wait.
	done, stopped := make(chan struct{}), make(chan struct{})
	t.Cleanup(func() {
		close(stopped)
		cmd.Process.Signal(syscall.SIGINT)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	urls := map[string]string{}
	lines := make(chan string)
	go func() {
		defer close(done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stopped:
			}
		}
		close(lines)
		cmd.Wait()
	}()
	re := regexp.MustCompile(`^\s+metrics\s+(\S+)\s+(\S+)`)
	steer := regexp.MustCompile(`^steering\s+players ask (\S+),`)
	edge := regexp.MustCompile(`^edge\s+(\S+): players on (\S+),`)
	title := regexp.MustCompile(`^\s+title\s+(\S+) \(`)
	timeout := time.After(120 * time.Second)
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				t.Fatal("demo exited before it was up")
			}
			if m := re.FindStringSubmatch(line); m != nil {
				urls[m[1]] = m[2]
			}
			if m := steer.FindStringSubmatch(line); m != nil {
				urls["steer-url"] = "http://" + m[1]
			}
			if m := edge.FindStringSubmatch(line); m != nil {
				urls[m[1]+"-url"] = "http://" + m[2]
			}
			if m := title.FindStringSubmatch(line); m != nil {
				urls["title"] = m[1]
			}
			if strings.HasPrefix(line, "Ctrl-C") {
				return urls
			}
		case <-timeout:
			t.Fatal("demo not up after 120 s")
		}
	}
}

// traffic makes the lazily created series appear: steering answers; on
// each edge the title's files (hits, and peer fetches from their owners)
// and absent files (origin 404s); a purge (disk evictions).
func traffic(t *testing.T, dir string, urls map[string]string) {
	resp, err := http.Get(urls["steer-url"] + "/v1/steer?file=/titles/x/master.m3u8")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	keys, err := urlsign.LoadKeys(filepath.Join(dir, "keys", "url-keys"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := urlsign.NewSigner(keys[0], urlsign.SignerConfig{Carrier: urlsign.InPath, Scope: urlsign.ScopeDir})
	if err != nil {
		t.Fatal(err)
	}
	client := netip.MustParseAddr("127.0.0.1")
	for name, base := range urls {
		if !strings.HasSuffix(name, "-url") || !strings.HasPrefix(name, "edge-") {
			continue
		}
		for i := range 8 {
			get(t, base+string(signer.AppendURL(nil, fmt.Sprintf("/titles/absent-%d/seg-00000.m4s", i), client)))
		}
		for _, f := range []string{"master.m3u8", "manifest.mpd"} {
			get(t, base+string(signer.AppendURL(nil, "/titles/"+urls["title"]+"/"+f, client)))
		}
	}
	token, err := os.ReadFile(filepath.Join(dir, "keys", "admin-tokens"))
	if err != nil {
		t.Fatal(err)
	}
	req, _ := http.NewRequest("POST", strings.TrimSuffix(urls["edge-1"], "/metrics")+"/v1/purge?prefix=/titles/", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(string(token)))
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("purge: %s", resp.Status)
	}
}

func get(t *testing.T, url string) {
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
}

// startBGPSteer runs a steering instance with a BGP neighbor that is
// not there (its session metrics exist, at 0) and returns its metrics
// URL.
func startBGPSteer(t *testing.T, dir string) string {
	admin, closed := testenv.FreeAddr(t), testenv.FreeAddr(t)
	_, port, _ := net.SplitHostPort(closed)
	sites := filepath.Join(dir, "bgp-sites.yaml")
	os.WriteFile(filepath.Join(dir, "bgp.cidr"), []byte("10.0.0.0/8\n"), 0o644)
	os.WriteFile(sites, []byte(fmt.Sprintf(`sites:
  - name: demo
    prefixes: bgp.cidr
    gossip: {insecure: true, listen: "127.0.0.1:0", join: ["127.0.0.1:9"]}
bgp:
  asn: 65001
  router_id: 192.0.2.10
  neighbors:
    - {address: 127.0.0.1, port: %s, asn: 65000, site: demo}
`, port)), 0o644)
	cmd := exec.Command(testenv.Vodedge(t), "steer", "--sites", sites, "--listen", testenv.FreeAddr(t), "--admin", admin, "--decision-log", "off", "--log-level", "error")
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
	url := "http://" + admin + "/metrics"
	testenv.Eventually(t, 15*time.Second, "steering with BGP to expose vodedge_steer_bgp_session_up", func() bool {
		fams, err := testenv.Scrape(url)
		return err == nil && fams["vodedge_steer_bgp_session_up"] != nil
	})
	return url
}

// scrape returns the names of the metric families a /metrics page
// exposes (a histogram's name without _bucket, _sum and _count).
func scrape(t *testing.T, url string) []string {
	fams, err := testenv.Scrape(url)
	if err != nil {
		t.Fatal(err)
	}
	return slices.Collect(maps.Keys(fams))
}
