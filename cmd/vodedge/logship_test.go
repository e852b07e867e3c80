package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin/kv"
)

// shipEnv is a controller process and an edge process that ships its
// access log to it, both restartable on the same state (the
// controller's data directory; the edge's access log and spool).
type shipEnv struct {
	t                  *testing.T
	dir, data, tokens  string
	ctlListen, ctlAdm  string
	edgeListen, edgeAd string
	alog               string
	origin             *testenv.Origin
	files              []string
	sent               int
}

func newShipEnv(t *testing.T) *shipEnv {
	dir := t.TempDir()
	e := &shipEnv{t: t, dir: dir, data: filepath.Join(dir, "data"), tokens: filepath.Join(dir, "tokens"), alog: filepath.Join(dir, "access.log"),
		ctlListen: testenv.FreeAddr(t), ctlAdm: testenv.FreeAddr(t), edgeListen: testenv.FreeAddr(t), edgeAd: testenv.FreeAddr(t)}
	os.WriteFile(e.tokens, []byte("ship-test-token-0123456789\n"), 0o600)
	// The edge ships with a credential of its own: the batch route is a
	// node route.
	os.WriteFile(filepath.Join(dir, "node-tokens"), []byte("ams-1 ams-1-own-token-0123456789\n"), 0o600)
	os.WriteFile(filepath.Join(dir, "ams-1.token"), []byte("ams-1-own-token-0123456789\n"), 0o600)
	e.origin = testenv.NewOrigin(t)
	for i := range 24 {
		p := fmt.Sprintf("/titles/t%d/v/seg-%05d.m4s", i%3, i)
		e.origin.PutPattern(p, 40<<10)
		e.files = append(e.files, p)
	}
	return e
}

func (e *shipEnv) controller() *proc {
	p := start(e.t, "origin", "--data", e.data, "--listen", e.ctlListen, "--admin", e.ctlAdm, "--api-token-file", e.tokens,
		"--node-token-file", filepath.Join(e.dir, "node-tokens"), "--ffmpeg", testenv.Tool(e.t, "ffmpeg"), "--ffprobe", testenv.Tool(e.t, "ffprobe"), "--log-level", "warn")
	p.waitReady(e.t, "http://"+e.ctlAdm+"/readyz")
	return p
}

func (e *shipEnv) edge() *proc {
	p := start(e.t, "edge", "--listen", e.edgeListen, "--admin", e.edgeAd, "--origin", e.origin.URL, "--node-name", "ams-1", "--site", "ams",
		"--ram-bytes", "16MiB", "--access-log", e.alog, "--report-url", "http://"+e.ctlListen+"/v1/popularity/batches/ams-1",
		"--manifest-token-file", filepath.Join(e.dir, "ams-1.token"), "--report-every", "20ms", "--report-batch-bytes", "64KiB", "--log-level", "warn")
	p.waitReady(e.t, "http://"+e.edgeAd+"/readyz")
	return p
}

// traffic sends n GETs through the edge, some of them ranges; a request
// to an edge being killed may fail (the log then holds what it holds).
func (e *shipEnv) traffic(n int) {
	c := &http.Client{Timeout: 10 * time.Second}
	for i := range n {
		e.sent++
		rng := ""
		if i%3 == 0 {
			rng = fmt.Sprintf("bytes=%d-%d", i%100, 1000+i)
		}
		testenv.Get(c, "http://"+e.edgeListen+e.files[(e.sent*7)%len(e.files)], "Range", rng)
	}
	c.CloseIdleConnections()
}

// metric reads one of the edge's shipper metrics.
func (e *shipEnv) metric(name string, labels ...string) int64 {
	return gauge(e.t, e.edgeAd, name, labels...)
}

// stop ends a process with SIGTERM and waits for it.
func stop(t *testing.T, p *proc) {
	p.cmd.Process.Signal(syscall.SIGTERM)
	p.wait(t, 30*time.Second)
}

// The controller is killed mid-shipment and restarted; the edge is
// killed -9 after the controller counted batches it had not yet
// recorded as acknowledged, and again while it serves and ships: in the
// end the controller's per-file counts are what the edge's access log
// holds, line for line.
func TestEdgeShipsItsAccessLogExactlyOnce(t *testing.T) {
	e := newShipEnv(t)
	ctl, edge := e.controller(), e.edge()
	e.traffic(200)
	testenv.Eventually(t, 30*time.Second, "a first batch shipped", func() bool {
		return e.metric("vodedge_logship_batches_total", "result", "sent") > 0
	})

	// The controller dies mid-shipment; the edge keeps serving and spools.
	e.traffic(100)
	ctl.cmd.Process.Kill()
	ctl.wait(t, 10*time.Second)
	e.traffic(200)
	e.logged(e.sent)
	e.shippedUpTo(false)
	testenv.Eventually(t, 30*time.Second, "the edge to notice the controller is gone", func() bool {
		return e.metric("vodedge_logship_batches_total", "result", "failed") > 0
	})
	// The spool as it is now, taken from the frozen edge: batches that
	// wait, the cursor at the log's end.
	snap := e.snapshot(edge)

	// The controller comes back on the same data and counts the waiting
	// batches; the edge is killed -9 with its spool as it was before it
	// saw the answers (what a kill between the controller's commit and
	// the edge's delete leaves): it sends them again on restart, and the
	// controller answers that they were counted.
	ctl = e.controller()
	testenv.Eventually(t, 60*time.Second, "the waiting batches to be shipped", func() bool {
		return e.metric("vodedge_logship_lag_lines") == 0
	})
	edge.cmd.Process.Kill()
	edge.wait(t, 10*time.Second)
	e.restore(snap)
	edge = e.edge()
	testenv.Eventually(t, 60*time.Second, "the resent batches to be answered as duplicates", func() bool {
		return e.metric("vodedge_logship_batches_total", "result", "duplicate") > 0 && e.metric("vodedge_logship_lag_lines") == 0
	})

	// Killed -9 again while it serves and ships, then restarted.
	e.traffic(150)
	edge.cmd.Process.Kill()
	edge.wait(t, 10*time.Second)
	edge = e.edge()
	e.traffic(150)

	// A clean stop writes the log's last records and ships them.
	stop(t, edge)
	e.shippedUpTo(true)
	stop(t, ctl)

	want, lines := e.fromLog()
	got := e.fromController()
	if lines < 500 || len(want) == 0 {
		t.Fatalf("the access log holds %d counted lines over %d files: the traffic did not reach it", lines, len(want))
	}
	if !maps.Equal(got, want) {
		for k, v := range want {
			if got[k] != v {
				t.Errorf("%s: controller %d bytes, access log %d", k, got[k], v)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: controller %d bytes, not in the access log", k, got[k])
			}
		}
	}
	t.Logf("%d requests, %d counted lines in the access log, %d files: counted once each", e.sent, lines, len(want))
}

// logged waits until the access log holds n lines (one per request).
func (e *shipEnv) logged(n int) {
	testenv.EventuallyErr(e.t, 30*time.Second, "the access log to hold every request", func() error {
		b, err := os.ReadFile(e.alog)
		if got := strings.Count(string(b), "\n"); err != nil || got != n {
			return fmt.Errorf("%d lines, want %d (%v)", got, n, err)
		}
		return nil
	})
}

func (e *shipEnv) spool() string { return e.alog + ".spool" }

// snapshot copies the spool of the edge, frozen meanwhile.
func (e *shipEnv) snapshot(edge *proc) map[string][]byte {
	edge.cmd.Process.Signal(syscall.SIGSTOP)
	defer edge.cmd.Process.Signal(syscall.SIGCONT)
	entries, err := os.ReadDir(e.spool())
	if err != nil {
		e.t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, en := range entries {
		if out[en.Name()], err = os.ReadFile(filepath.Join(e.spool(), en.Name())); err != nil {
			e.t.Fatal(err)
		}
	}
	if len(out) < 2 {
		e.t.Fatalf("spool holds %d files: no batch waits", len(out))
	}
	return out
}

// restore puts a snapshot back as the spool.
func (e *shipEnv) restore(snap map[string][]byte) {
	os.RemoveAll(e.spool())
	os.MkdirAll(e.spool(), 0o755)
	for name, b := range snap {
		if err := os.WriteFile(filepath.Join(e.spool(), name), b, 0o644); err != nil {
			e.t.Fatal(err)
		}
	}
}

// shippedUpTo waits until the edge has cut its whole log into
// batches (the cursor is at the log's end) and, when acked, no batch
// waits.
func (e *shipEnv) shippedUpTo(acked bool) {
	spool := e.spool()
	testenv.EventuallyErr(e.t, 60*time.Second, "the whole access log to be shipped", func() error {
		var cur struct {
			Offset int64 `json:"offset"`
		}
		raw, _ := os.ReadFile(filepath.Join(spool, "cursor.json"))
		json.Unmarshal(raw, &cur)
		fi, err := os.Stat(e.alog)
		if err != nil {
			return err
		}
		waiting, _ := filepath.Glob(filepath.Join(spool, "*.batch"))
		if cur.Offset != fi.Size() || acked && len(waiting) > 0 {
			return fmt.Errorf("cursor at %d of %d bytes, %d batches waiting", cur.Offset, fi.Size(), len(waiting))
		}
		return nil
	})
}

// fromLog adds up the access log as popularity counts it (successful
// GETs of /titles/ with bytes): bytes by day, site and path, and the
// number of counted lines.
func (e *shipEnv) fromLog() (map[string]int64, int) {
	f, err := os.Open(e.alog)
	if err != nil {
		e.t.Fatal(err)
	}
	defer f.Close()
	out, n := map[string]int64{}, 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var r struct {
			Time, Method, Path, Site string
			Status                   int
			Bytes                    int64
		}
		if json.Unmarshal(sc.Bytes(), &r) != nil { // a line cut by kill -9 counts nowhere
			continue
		}
		at, err := time.Parse(time.RFC3339Nano, r.Time)
		if err != nil || r.Method != "GET" || (r.Status != 200 && r.Status != 206) || r.Bytes <= 0 || !strings.HasPrefix(r.Path, "/titles/") {
			continue
		}
		out[at.UTC().Format(time.DateOnly)+"/"+r.Site+"/"+r.Path] += r.Bytes
		n++
	}
	if err := sc.Err(); err != nil {
		e.t.Fatal(err)
	}
	return out, n
}

// fromController reads the stopped controller's per-file daily totals
// from its database.
func (e *shipEnv) fromController() map[string]int64 {
	db, err := kv.Open(filepath.Join(e.data, "db"), kv.Options{})
	if err != nil {
		e.t.Fatal(err)
	}
	defer db.Close()
	out := map[string]int64{}
	err = kv.ScanJSON(db.Bucket("pop"), "f/", func(key string, n *int64) error {
		if !strings.HasPrefix(key, "f/") {
			return kv.ErrStop
		}
		out[strings.TrimPrefix(key, "f/")] = *n
		return nil
	})
	if err != nil {
		e.t.Fatal(err)
	}
	return out
}
