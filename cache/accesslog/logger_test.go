package accesslog

import (
	"bufio"
	"bytes"
	"encoding/json"
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestLinesAreJSONWithStableFields(t *testing.T) {
	var out testenv.Buffer
	l := New(&out, Config{Node: "edge-1", Site: "ams"})
	at := time.Date(2026, 11, 26, 1, 2, 3, 456789000, time.UTC)
	recs := []Record{
		{Time: at, Client: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}, Method: "GET", Path: "/t/seg-1.m4s", Range: "bytes=0-99", Status: 206, Bytes: 100, Tier: "HIT-RAM", Cache: "hit", TTFB: 1500 * time.Microsecond},
		{Time: at, Client: &net.TCPAddr{IP: net.IPv6loopback, Port: 1}, Method: "GET", Path: "/we\"ird\\\x01\xff/ü", Status: 400, Tier: "NONE"},
	}
	for _, r := range recs {
		l.Log(r)
	}
	l.Close()
	sc := bufio.NewScanner(bytes.NewReader(out.Bytes()))
	var lines []map[string]any
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", sc.Text(), err)
		}
		lines = append(lines, m)
	}
	if len(lines) != 2 {
		t.Fatalf("got %d lines, want 2", len(lines))
	}
	want := map[string]any{
		"time": "2026-11-26T01:02:03.456789Z", "client": "127.0.0.1:5000", "method": "GET",
		"path": "/t/seg-1.m4s", "range": "bytes=0-99", "status": 206.0, "bytes": 100.0,
		"tier": "HIT-RAM", "cache": "hit", "ttfb_ms": 1.5, "node": "edge-1", "site": "ams",
	}
	for k, v := range want {
		if lines[0][k] != v {
			t.Errorf("field %s = %v, want %v", k, lines[0][k], v)
		}
	}
	if len(lines[0]) != len(want) {
		t.Errorf("line has %d fields, want %d: %v", len(lines[0]), len(want), lines[0])
	}
	if got := lines[1]["path"]; got != "/we\"ird\\\x01\uFFFD/ü" {
		t.Errorf("escaped path round-tripped to %q", got)
	}
}

// blockedWriter never returns until released, like a full disk or a
// stalled pipe.
type blockedWriter struct{ release chan struct{} }

func (b *blockedWriter) Write(p []byte) (int, error) {
	<-b.release
	return len(p), nil
}

func TestFullQueueDropsInsteadOfBlocking(t *testing.T) {
	w := &blockedWriter{release: make(chan struct{})}
	l := New(w, Config{Queue: 4})
	done := make(chan struct{})
	go func() {
		for range 1000 {
			l.Log(Record{Method: "GET"})
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Log blocked on a stalled writer")
	}
	if l.Dropped() == 0 {
		t.Fatal("no drops counted with a stalled writer and a queue of 4")
	}
	close(w.release)
	l.Close()
	l.Close() // idempotent
}

func BenchmarkAppendJSON(b *testing.B) {
	r := Record{Time: time.Now(), Client: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5000}, Method: "GET", Path: "/title/1080p/seg-00042.m4s", Status: 200, Bytes: 2 << 20, Tier: "HIT-RAM", TTFB: 80 * time.Microsecond}
	buf := make([]byte, 0, 512)
	var e encoder
	b.ReportAllocs()
	for b.Loop() {
		buf = e.appendJSON(buf[:0], &r, "edge-1", "ams")
	}
}
