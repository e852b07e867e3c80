package logship

import (
	"compress/gzip"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus"
)

// receiver is the controller's side of the protocol on loopback: it
// counts a batch when its number is above the stream's last, answers a
// resend as a duplicate, and can fail (503) or count and then lose its
// answer (the connection is cut), as a controller that crashes after
// committing does.
type receiver struct {
	srv *httptest.Server
	mu  sync.Mutex
	// protected by mu:
	last   map[string]uint64   // stream → last counted seq
	lines  []string            // counted lines, in the order counted
	bodies map[uint64][]byte   // first body seen per seq
	resent map[uint64]int      // resends per seq
	down   bool                // answer 503
	lose   int                 // count the next n batches, then cut the connection
	seen   map[string][]uint64 // stream → every seq received
}

func newReceiver(t testing.TB) *receiver {
	r := &receiver{last: map[string]uint64{}, bodies: map[uint64][]byte{}, resent: map[uint64]int{}, seen: map[string][]uint64{}}
	r.srv = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) url() string { return r.srv.URL + "/v1/popularity/batches/e1" }

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	raw, _ := io.ReadAll(req.Body)
	stream := req.URL.Query().Get("stream")
	seq, err := strconv.ParseUint(req.URL.Query().Get("seq"), 10, 64)
	if err != nil || req.Header.Get("Content-Encoding") != "gzip" {
		http.Error(w, "bad batch", http.StatusBadRequest)
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.down {
		http.Error(w, "down", http.StatusServiceUnavailable)
		return
	}
	r.seen[stream] = append(r.seen[stream], seq)
	if prev, ok := r.bodies[seq]; ok && string(prev) != string(raw) {
		http.Error(w, "a resend with other bytes", http.StatusBadRequest)
		return
	}
	r.bodies[seq] = raw
	dup := seq <= r.last[stream]
	if dup {
		r.resent[seq]++
	} else {
		zr, err := gzip.NewReader(strings.NewReader(string(raw)))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		plain, _ := io.ReadAll(zr)
		r.lines = append(r.lines, strings.SplitAfter(string(plain), "\n")...)
		r.lines = r.lines[:len(r.lines)-1] // after the last newline
		r.last[stream] = seq
	}
	if r.lose > 0 {
		r.lose--
		panic(http.ErrAbortHandler) // counted, the answer lost
	}
	fmt.Fprintf(w, `{"seq":%d,"duplicate":%v}`, seq, dup)
}

func (r *receiver) set(f func(*receiver)) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f(r)
}

func (r *receiver) counted() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.lines...)
}

// logFile is an access log the test appends to.
type logFile struct {
	t    *testing.T
	path string
	n    int
}

func newLog(t *testing.T) *logFile {
	return &logFile{t: t, path: filepath.Join(t.TempDir(), "access.log")}
}

// add appends n numbered lines and returns them.
func (l *logFile) add(n int) []string {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		l.t.Fatal(err)
	}
	defer f.Close()
	var out []string
	for range n {
		l.n++
		line := fmt.Sprintf(`{"path":"/titles/t/seg-%06d.m4s","bytes":%d,"pad":"%s"}`+"\n", l.n, l.n, strings.Repeat("x", l.n%50))
		f.WriteString(line)
		out = append(out, line)
	}
	return out
}

// all is every line written so far, read back from the files.
func readLines(t *testing.T, paths ...string) []string {
	var out []string
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		parts := strings.SplitAfter(string(b), "\n")
		out = append(out, parts[:len(parts)-1]...)
	}
	return out
}

// shipper opens a shipper on spool for log, sending to rc.
func shipper(t *testing.T, log *logFile, spool string, rc *receiver, adjust ...func(*Config)) (*Shipper, *prometheus.Registry) {
	t.Helper()
	cfg := DefaultConfig()
	cfg.URL, cfg.LogPath, cfg.SpoolDir, cfg.BatchBytes = rc.url(), log.path, spool, 64<<10
	for _, a := range adjust {
		a(&cfg)
	}
	reg := prometheus.NewRegistry()
	s, err := New(cfg, Deps{Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.tail.close)
	return s, reg
}

// rounds runs n rounds of the shipper.
func rounds(s *Shipper, n int) {
	for range n {
		s.step(context.Background())
	}
}

// addRandom appends n lines of random hex (poorly compressible).
func (l *logFile) addRandom(n int) {
	f, err := os.OpenFile(l.path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		l.t.Fatal(err)
	}
	defer f.Close()
	for range n {
		l.n++
		b := make([]byte, 100)
		rand.Read(b)
		fmt.Fprintf(f, `{"n":%d,"pad":"%x"}`+"\n", l.n, b)
	}
}
