package cache

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/cache/memfile"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// memfdEdge starts an edge that keeps RAM-tier slices of 256 KiB or
// more in memfds, over an origin with one object of size at path, and
// fetches it until its one slice is a RAM hit held in a memfd. It
// returns the edge, a client and the memfd bytes live before.
func memfdEdge(t *testing.T, path string, size, sliceBytes int64) (*edge, *http.Client, int64) {
	t.Helper()
	o := testenv.NewOrigin(t)
	o.PutPattern(path, size)
	cfg := testConfig()
	cfg.SliceBytes = sliceBytes
	cfg.MemfileMinBytes, cfg.MemfileMaxBytes = 256<<10, 0
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	before := memfile.Live()
	do(t, c, "GET", e.url+path)
	testenv.Eventually(t, 5e9, "the slice to enter the RAM tier", func() bool {
		return do(t, c, "HEAD", e.url+path).header.Get("X-Cache") == "HIT-RAM" && memfile.Live()-before == size
	})
	return e, c, before
}

// Large RAM-tier slices live in memfds and are sent with sendfile: the
// bytes must be exactly the origin's, for whole objects and ranges, and a
// purge must release the memory.
func TestLargeRAMSlicesServedFromMemfd(t *testing.T) {
	const size = 2<<20 + 333
	e, c, before := memfdEdge(t, "/big.m4s", size, 4<<20)
	sl, ok := e.srv.tiers.ram.Get("/big.m4s")
	if !ok || sl.mf == nil || sl.data != nil {
		t.Fatal("a 2 MiB slice is not held in a memfd")
	}
	for _, tc := range []struct {
		rng      string
		from, to int64
	}{{"", 0, size}, {"bytes=100-199", 100, 200}, {"bytes=-5000", size - 5000, size}, {"bytes=0-0,2000000-2000009", -1, -1}} {
		r := do(t, c, "GET", e.url+"/big.m4s", "Range", tc.rng)
		if r.header.Get("X-Cache") != "HIT-RAM" {
			t.Fatalf("%q: X-Cache %s", tc.rng, r.header.Get("X-Cache"))
		}
		if tc.from >= 0 && !bytes.Equal(r.body, testenv.PatternBytes(tc.from, tc.to)) {
			t.Fatalf("%q: %d bytes differ from the origin's", tc.rng, len(r.body))
		}
		if tc.from < 0 && (r.status != 206 || !bytes.Contains(r.body, testenv.PatternBytes(2000000, 2000010))) {
			t.Fatalf("multipart from a memfd slice: %d", r.status)
		}
	}
	if _, err := e.srv.PurgeKey("/big.m4s"); err != nil {
		t.Fatal(err)
	}
	if got := memfile.Live() - before; got != 0 {
		t.Fatalf("%d memfd bytes still held after purge", got)
	}
}

// RAM hits on a memfd slice over plain TCP are sent from the memfd's own
// descriptor (held, like a disk hit's data file), not from a descriptor
// opened per response; a purge while they are being sent cuts none of
// them, and the memory goes once the last one ends.
func TestMemfdHitsShareTheMemfdsDescriptor(t *testing.T) {
	const size = 6<<20 + 77 // more than the kernel queues for a stalled reader
	e, _, before := memfdEdge(t, "/held.m4s", size, 8<<20)
	const readers = 4
	conns := make([]*bufio.Reader, readers)
	for i := range conns {
		conns[i] = stalledGet(t, e.url, "/held.m4s")
	}
	if n := openMemfds(t, "/held.m4s"); n != 1 {
		t.Fatalf("%d descriptors on the slice's memfd while %d responses are being sent, want 1 (the RAM tier's, held by each)", n, readers)
	}
	if _, err := e.srv.PurgeKey("/held.m4s"); err != nil {
		t.Fatal(err)
	}
	for i, br := range conns {
		got, err := io.ReadAll(io.LimitReader(br, size))
		if err != nil || !bytes.Equal(got, testenv.PatternBytes(0, size)) {
			t.Fatalf("response %d after the purge: %d bytes (%v), not the origin's", i, len(got), err)
		}
	}
	testenv.Eventually(t, 5e9, "the memfd to go once its responses ended", func() bool {
		return memfile.Live()-before == 0 && openMemfds(t, "/held.m4s") == 0
	})
}

// stalledGet sends GET path on a new connection with a small receive
// buffer (smallWindowDialer), reads the header and the body's first
// bytes, and leaves the rest unread, so that the edge is still sending;
// it returns the connection's reader positioned at the body's start.
func stalledGet(t *testing.T, base, path string) *bufio.Reader {
	t.Helper()
	conn, err := smallWindowDialer("127.0.0.1").Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	if _, err := fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: edge\r\n\r\n", path); err != nil {
		t.Fatal(err)
	}
	br := bufio.NewReaderSize(conn, 4096)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 || resp.Header.Get("X-Cache") != "HIT-RAM" {
		t.Fatalf("GET %s: %v %v", path, err, resp)
	}
	if _, err := br.Peek(1); err != nil {
		t.Fatalf("GET %s: no body: %v", path, err)
	}
	return br
}

// openMemfds counts this process's descriptors on the memfd named name.
func openMemfds(t *testing.T, name string) int { return openFDs(t, "/memfd:"+name+" ") }

// TestEventLoopAnswersMemfdHits: with the loops on, a RAM hit on a
// slice kept in a memfd (sizes within MemfileMinBytes..MemfileMaxBytes:
// the 50 kB object, not the 20 kB nor the 200 kB one) is answered by the
// loop, whole and as a range, sent from the memfd's descriptor; every
// answer is the origin's bytes, and once the slices are purged no memfd
// is left open (the loop released every hold).
func TestEventLoopAnswersMemfdHits(t *testing.T) {
	o := testenv.NewOrigin(t)
	sizes := map[string]int64{"/m/small.ts": 20_000, "/m/mid.ts": 50_000, "/m/big.ts": 200_000}
	for p, n := range sizes {
		o.PutPattern(p, n)
	}
	cfg := testConfig()
	cfg.EventLoops = 1
	cfg.MemfileMinBytes, cfg.MemfileMaxBytes = 32<<10, 96<<10
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	before := memfile.Live()
	loop := func() (served, handoffs float64) {
		return testenv.Metric(t, e.reg, "vodedge_edge_loop_responses_total"), testenv.Metric(t, e.reg, "vodedge_edge_loop_handoffs_total")
	}
	for p := range sizes {
		dialLoop(t, e).get("GET", p) // a miss, handed off
	}
	waitIdle(t, e)
	for p, n := range sizes {
		var sl *slice
		testenv.Eventually(t, 5e9, p+" to enter the RAM tier", func() bool {
			var ok bool
			sl, ok = e.srv.tiers.ram.Get(p)
			return ok
		})
		if (sl.mf != nil) != (p == "/m/mid.ts") {
			t.Fatalf("%s (%d bytes): in a memfd %v", p, n, sl.mf != nil)
		}
	}
	for round := 0; round < 3; round++ {
		for p, n := range sizes {
			for _, rng := range []string{"", "Range: bytes=100-299\r\n"} {
				s0, h0 := loop()
				resp, b := dialLoop(t, e).get("GET", p, rng)
				want := testenv.PatternBytes(0, n)
				if rng != "" {
					want = want[100:300]
				}
				if resp.StatusCode/100 != 2 || resp.Header.Get("X-Cache") != "HIT-RAM" || !bytes.Equal(b, want) {
					t.Fatalf("%s %q: %d %s, %d bytes; want %d", p, rng, resp.StatusCode, resp.Header.Get("X-Cache"), len(b), len(want))
				}
				if s, h := loop(); s-s0 != 1 || h != h0 {
					t.Fatalf("%s %q: %v answers from the loop, %v hand-offs; want one from the loop", p, rng, s-s0, h-h0)
				}
			}
		}
	}
	if got := memfile.Live() - before; got != sizes["/m/mid.ts"] {
		t.Fatalf("%d memfd bytes live, want the 50 kB slice's", got)
	}
	for p := range sizes {
		if _, err := e.srv.PurgeKey(p); err != nil {
			t.Fatal(err)
		}
	}
	// The loop's Done runs after its last sendfile returns, which may
	// be after the client has the bytes.
	testenv.Eventually(t, 5e9, "every memfd to be closed after the purge", func() bool {
		return memfile.Live()-before == 0
	})
}

// TestRangeIgnoredFromALaterMemfdSlice: a request whose Range names the
// second slice of an object but is ignored (a failed If-Range, a
// malformed Range) is answered whole, from the first byte, although the
// slice looked up first is the second, held in a memfd; with the event
// loops on and off.
func TestRangeIgnoredFromALaterMemfdSlice(t *testing.T) {
	const slice, size = 256 << 10, 256<<10 + 50_000
	for _, loops := range []int{1, 0} {
		o := testenv.NewOrigin(t)
		o.PutPattern("/two.ts", size)
		cfg := testConfig()
		cfg.EventLoops = loops
		cfg.MemfileMinBytes, cfg.MemfileMaxBytes = 32<<10, 96<<10
		e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
		c := client(t)
		do(t, c, "GET", e.url+"/two.ts")
		waitIdle(t, e)
		testenv.Eventually(t, 5e9, "the second slice to enter the RAM tier in a memfd", func() bool {
			do(t, c, "GET", e.url+"/two.ts")
			sl, ok := e.srv.tiers.ram.Get(cachekey.SliceKey("/two.ts", 1))
			_, first := e.srv.tiers.ram.Get("/two.ts")
			return ok && sl.mf != nil && first
		})
		whole := testenv.PatternBytes(0, size)
		for _, h := range [][]string{
			{"Range", fmt.Sprintf("bytes=%d-%d", slice+100, slice+199), "If-Range", `"not-its-etag"`},
			{"Range", fmt.Sprintf("bytes=%d-x", slice+100)},
		} {
			r := do(t, c, "GET", e.url+"/two.ts", h...)
			if r.status != 200 || !bytes.Equal(r.body, whole) {
				t.Fatalf("event loops %d, %q: %d, %d bytes; want 200 and all %d", loops, h, r.status, len(r.body), size)
			}
		}
	}
}
