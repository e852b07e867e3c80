package main

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/testenv"
)

// slowObjects makes o serve objectBytes of any path, size bytes each, at
// about rate bytes/s, with ranges.
func slowObjects(o *testenv.Origin, size, rate int64) {
	o.PutFunc(func(path string) (testenv.Object, bool) {
		return testenv.Object{Size: size, Bytes: func(from, to int64) []byte { return objectBytes(path, from, to) },
			ETag: `"slow-` + strconv.FormatInt(size, 10) + `"`, ModTime: time.Unix(1_700_000_000, 0)}, true
	})
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		o.Answer(&throttled{ResponseWriter: w, rate: rate, start: time.Now()}, r)
		return true
	})
}

// throttled writes at most rate bytes/s, in 32 KiB steps.
type throttled struct {
	http.ResponseWriter
	rate  int64
	start time.Time
	n     int64
}

func (w *throttled) Write(p []byte) (int, error) {
	var done int
	for len(p) > 0 {
		k := min(len(p), 32<<10)
		n, err := w.ResponseWriter.Write(p[:k])
		done += n
		w.n += int64(n)
		if err != nil {
			return done, err
		}
		w.ResponseWriter.(http.Flusher).Flush()
		p = p[k:]
		if ahead := time.Duration(float64(w.n)/float64(w.rate)*float64(time.Second)) - time.Since(w.start); ahead > 0 {
			time.Sleep(ahead)
		}
	}
	return done, nil
}

// TestPeerKilledMidTransfer: node-1 serves a player a file owned by
// node-2, which streams it from a slow origin through its peer listener;
// node-2 is SIGKILLed with a quarter of the file sent. node-1 finishes
// the body from the origin, so the player gets every byte right (or, at
// worst, a cut response — never a complete one with wrong bytes); the
// resume is counted, and the next player gets the file whole.
func TestPeerKilledMidTransfer(t *testing.T) {
	const size = 4 << 20
	e := newClusterEnv(t)
	slowObjects(e.origin, size, 2<<20)
	nodes := e.startSite(2)
	a, b := nodes[0], nodes[1]
	key := keyOwnedBy(t, "node-2", []string{"node-1", "node-2"}, map[string]bool{})

	resp, err := http.Get("http://" + a.listen + key)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, size/4)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatalf("first quarter: %v", err)
	}
	b.p.cmd.Process.Kill()
	killed := time.Now()
	rest, err := io.ReadAll(resp.Body)
	got := append(head, rest...)
	switch {
	case err == nil && !bytes.Equal(got, objectBytes(key, 0, size)):
		t.Fatalf("a complete-looking body of %d bytes with wrong bytes after the peer died", len(got))
	case err != nil:
		t.Logf("the response was cut after %d bytes (%v): allowed, but the resume should have finished it", len(got), err)
	default:
		t.Logf("peer SIGKILLed after %d of %d bytes: node-1 finished the body from the origin in %v", size/4, size, time.Since(killed).Round(time.Millisecond))
	}
	resumed := a.metric(t, "vodedge_peer_resumed_total")
	if err == nil && resumed == 0 {
		t.Errorf("vodedge_peer_resumed_total = %v after a finished resume", resumed)
	}
	code, _, body := get(t, "http://"+a.listen+key)
	if code != 200 || !bytes.Equal(body, objectBytes(key, 0, size)) {
		t.Fatalf("next request: %d, %d bytes", code, len(body))
	}
	t.Logf("node-1 metrics: peer resumed %v, peer errors %v", resumed, a.metric(t, "vodedge_peer_fetches_total", "outcome", "error"))
}
