package fill_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/heartbeat"
	"github.com/vodedge/vodedge/internal/testenv"
)

// The agent reports its node to the registry beside the manifest URL,
// with the node's name and site and what Describe says; a controller
// that refuses is retried, and the failures are counted.
func TestHeartbeats(t *testing.T) {
	var mu sync.Mutex // protects got, calls
	var got []heartbeat.Report
	calls := 0
	ctl := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/v1/nodes/heartbeat" || r.Method != http.MethodPost {
			http.NotFound(w, r)
			return
		}
		rep, err := heartbeat.Parse(r.Body)
		mu.Lock()
		defer mu.Unlock()
		if calls++; calls <= 2 || err != nil { // the controller is not up yet
			http.Error(w, "not yet", http.StatusServiceUnavailable)
			return
		}
		got = append(got, rep)
		json.NewEncoder(w).Encode(map[string]string{"state": "live"})
	}))
	defer ctl.Close()
	n := newNode(t, "n1", nil)
	pub, _ := keys(t)
	cfg := testAgentConfig(n, pub, t)
	cfg.ManifestURL, cfg.PollEvery = ctl.URL+"/v1/manifests/ams", time.Hour
	cfg.HeartbeatEvery = 20 * time.Millisecond
	describe := func() heartbeat.Report {
		return heartbeat.Report{Weight: 2, CapacityBytes: 1 << 30, Version: "v9", PeerAddr: "127.0.0.1:9",
			Disks: []heartbeat.Disk{{Name: "d0", State: "serving", Bytes: 5, CapacityBytes: 1 << 30}}}
	}
	reg := prometheus.NewRegistry()
	a, err := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, ctl.URL), Describe: describe, Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	stop := runAgent(a)
	// Heartbeats go one at a time: once the third has reached the
	// controller, the agent has read (and counted) the answers to the
	// first two, whatever stop cuts afterwards.
	testenv.Eventually(t, 10*time.Second, "three accepted heartbeats", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(got) >= 3
	})
	stop()
	mu.Lock()
	first := got[0]
	mu.Unlock()
	if first.Name != "n1" || first.Site != "ams" || first.Weight != 2 || first.Version != "v9" || len(first.Disks) != 1 || first.PeerAddr != "127.0.0.1:9" {
		t.Fatalf("heartbeat %+v", first)
	}
	if f := testenv.Metric(t, reg, "vodedge_fill_heartbeats_total", "result", "failed"); f != 2 {
		t.Errorf("failed heartbeats counted %v, want 2", f)
	}
	if ok := testenv.Metric(t, reg, "vodedge_fill_heartbeats_total", "result", "ok"); ok < 2 {
		t.Errorf("ok heartbeats counted %v, want at least 2", ok)
	}
}
