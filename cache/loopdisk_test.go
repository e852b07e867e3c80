package cache

import (
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// TestEventLoopAnswersDiskHitsInThePageCache: once a disk slice's record
// is in memory and its file open, the loop answers its fresh hits (found
// cached by cachestat, sent with sendfile), whole and as ranges; with the
// data files dropped from the page cache it hands them off, and
// fasthttp's server answers them whole.
func TestEventLoopAnswersDiskHitsInThePageCache(t *testing.T) {
	needCachestat(t)
	loopDiskHits(t, map[string]bool{"/v/small.ts": true, "/v/mid.ts": true, "/v/big.ts": true})
}

// TestEventLoopReadsSmallDiskHitsWithoutCachestat: where cachestat is
// missing, the loop still answers small disk hits and ranges (read with
// preadv2(RWF_NOWAIT), which fails rather than wait) and hands larger
// ones off.
func TestEventLoopReadsSmallDiskHitsWithoutCachestat(t *testing.T) {
	if !readsNowait() {
		t.Skip("no preadv2(RWF_NOWAIT) here")
	}
	noCachestat.Store(true)
	t.Cleanup(func() { noCachestat.Store(false) })
	loopDiskHits(t, map[string]bool{"/v/small.ts": true, "/v/mid.ts": false, "/v/big.ts": false})
}

// loopDiskHits stores three one-slice objects on disk (20, 50 and 200 kB)
// and checks which of their fresh disk hits the loop answers (inLoop;
// a 200-byte range of each, always), and that with the data files out of
// the page cache for longer than residentFor it answers none;
// every answer whole and right.
func loopDiskHits(t *testing.T, inLoop map[string]bool) {
	dir := t.TempDir()
	o := testenv.NewOrigin(t)
	sizes := map[string]int64{"/v/small.ts": 20_000, "/v/mid.ts": 50_000, "/v/big.ts": 200_000} // one slice each
	for p, n := range sizes {
		o.PutPattern(p, n)
	}
	cfg := testConfig()
	cfg.RAMBytes = 0
	cfg.EventLoops = 1
	noSample := func(c *disktier.Config) { c.VerifySample = 0 }
	e := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{}, noSample))
	loop := func() (served, handoffs float64) {
		return testenv.Metric(t, e.reg, "vodedge_edge_loop_responses_total"), testenv.Metric(t, e.reg, "vodedge_edge_loop_handoffs_total")
	}
	// answer asks on a new connection, so that the loop sees the
	// request, checks the answer, and reports whether the loop gave it;
	// hit checks who gave it.
	answer := func(path string, lines ...string) (fromLoop bool) {
		t.Helper()
		s0, h0 := loop()
		resp, b := dialLoop(t, e).get("GET", path, lines...)
		want := testenv.PatternBytes(0, sizes[path])
		if len(lines) > 0 {
			want = want[100:300]
		}
		if resp.StatusCode/100 != 2 || string(b) != string(want) {
			t.Fatalf("%s %q: %d, %d bytes; want %d", path, lines, resp.StatusCode, len(b), len(want))
		}
		s, h := loop()
		if s-s0 == 1 && h == h0 {
			return true
		}
		if h-h0 != 1 {
			t.Fatalf("%s %q: %v from the loop, %v hand-offs; want one or the other", path, lines, s-s0, h-h0)
		}
		return false
	}
	hit := func(path string, fromLoop bool, lines ...string) {
		t.Helper()
		if got := answer(path, lines...); got != fromLoop {
			t.Fatalf("%s %q: from the loop %v, want %v", path, lines, got, fromLoop)
		}
	}
	// handsOff checks that a hit on a file dropped from the page cache is
	// handed off. The files are dropped again before each of up to three
	// tries: now and then (Linux 6.18.44, in one run of this test in a
	// few to a few dozen) the loop found a just-dropped small file
	// readable at once; three answers from the loop in a row would mean
	// it does not look.
	handsOff := func(path string) {
		t.Helper()
		for try := range 3 {
			if !dropDataFiles(t, dir) {
				if try > 0 {
					t.Fatalf("%s: answered from the loop, and the files no longer drop", path)
				}
				t.Skip("this file system keeps the data files' pages: nothing to drop")
			}
			if !answer(path) {
				return
			}
		}
		t.Fatalf("%s: answered from the loop three times with its file out of the page cache", path)
	}
	for p := range sizes {
		hit(p, false) // a miss, stored on disk
	}
	waitIdle(t, e)
	for p := range sizes {
		hit(p, false) // disk hits through fasthttp: the record enters the record
		hit(p, false) // cache at the second, and the file stays open
	}
	for p := range sizes {
		hit(p, inLoop[p])
		hit(p, true, "Range: bytes=100-299\r\n") // 200 bytes: small on either path
	}
	recs := e.logs.all()
	if r := recs[len(recs)-1]; r.Tier != "HIT-DISK" || r.Status != 206 || r.Bytes != 200 {
		t.Fatalf("the last disk range logged as %+v", r)
	}
	// Marks from here on are fresh: the hits above may have made theirs
	// some time ago on a slow machine.
	time.Sleep(residentFor)
	for p := range sizes {
		hit(p, inLoop[p])
	}
	if !dropDataFiles(t, dir) {
		t.Skip("this file system keeps the data files' pages: nothing to drop")
	}
	// Within residentFor of finding a file whole in the page cache the
	// loop takes it as still there (cachedInLoop): it sends the dropped
	// files, waiting for the disk, and the bytes are right.
	for p := range sizes {
		if inLoop[p] && cachestatWorks() {
			hit(p, true)
		} else {
			handsOff(p)
		}
	}
	time.Sleep(residentFor)
	for p := range sizes {
		handsOff(p)
	}
}

// TestEventLoopKeepsTheVerifySample: with the loops answering disk
// hits, a read sampled for verification is still verified, in the loop
// for a small slice in the page cache, handed off for a larger one: a
// byte rotted in place is found within a few dozen hits and the slice
// evicted, and the next answer is the origin's bytes. The slices have
// 4 KiB chunks; the small one's rot, in its first chunk, is found by
// the loop even when only ranges of a later chunk are asked for (the
// other path verifies only the chunks a range covers).
func TestEventLoopKeepsTheVerifySample(t *testing.T) {
	t.Run("verified in the loop", func(t *testing.T) { loopVerifySample(t, 20_000, true) })
	t.Run("handed off", func(t *testing.T) { loopVerifySample(t, 300_000, false) })
}

func loopVerifySample(t *testing.T, size int64, inLoop bool) {
	dir := t.TempDir()
	o := testenv.NewOrigin(t)
	o.PutPattern("/v/seg.ts", size)
	cfg := testConfig()
	cfg.RAMBytes = 0
	cfg.EventLoops = 1
	cfg.SliceBytes = 1 << 20 // one slice, above verifyInLoopMax or not
	sample := func(c *disktier.Config) { c.VerifySample, c.ChunkBytes = 0.3, 4<<10 }
	e := startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{}, sample))
	whole := testenv.PatternBytes(0, size)
	served := func() float64 { return testenv.Metric(t, e.reg, "vodedge_edge_loop_responses_total") }
	handoffs := func() float64 { return testenv.Metric(t, e.reg, "vodedge_edge_loop_handoffs_total") }
	// A miss, then hits until the loop answers one (the record in
	// memory, the file open: a hit not sampled on fasthttp's side).
	for i := 0; served() == 0; i++ {
		if i == 40 {
			t.Fatal("the loop answered none of 40 disk hits")
		}
		dialLoop(t, e).get("GET", "/v/seg.ts")
		waitIdle(t, e)
	}
	if inLoop && !probeNowait(t, dir) {
		t.Skip("no preadv2(RWF_NOWAIT) on this file system: samples are handed off")
	}
	// 40 hits, whole and a range of the third chunk: about 12 sampled.
	// A small slice's are verified in the loop (no hand-off); a larger
	// one's are handed off.
	const rng = "Range: bytes=8192-9191\r\n"
	get := func(i int) (*http.Response, []byte, []byte) {
		if i%2 == 0 {
			resp, b := dialLoop(t, e).get("GET", "/v/seg.ts")
			return resp, b, whole
		}
		resp, b := dialLoop(t, e).get("GET", "/v/seg.ts", rng)
		return resp, b, whole[8192:9192]
	}
	h0 := handoffs()
	for i := range 40 {
		if _, b, want := get(i); string(b) != string(want) {
			t.Fatalf("disk hit %d: %d bytes, wrong", i, len(b))
		}
	}
	if h := handoffs() - h0; inLoop != (h == 0) {
		t.Fatalf("%v hand-offs in 40 hits sampled at 0.3; want the samples verified in the loop: %v", h, inLoop)
	}
	rotDataFiles(t, dir, 1000)
	failures := func() float64 { return testenv.Metric(t, e.reg, "vodedge_disk_checksum_failures_total") }
	for i := 0; failures() == 0; i++ {
		if i == 60 {
			t.Fatal("60 hits, and no sampled read found the rotted byte")
		}
		if inLoop { // ranges clear of the rot: only the loop's check finds it
			dialLoop(t, e).get("GET", "/v/seg.ts", rng)
			continue
		}
		// The read that finds the rot may cut its response: not checked.
		resp, err := http.Get(e.url + "/v/seg.ts")
		if err == nil {
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
	}
	waitIdle(t, e)
	if _, b := dialLoop(t, e).get("GET", "/v/seg.ts"); string(b) != string(whole) {
		t.Fatal("after the eviction, the answer is not the origin's bytes")
	}
}

// probeNowait makes one preadv2(RWF_NOWAIT) of a data file under dir and
// reports whether the file system supports it (readsNowait is true
// until a read has found it missing).
func probeNowait(t *testing.T, dir string) bool {
	eachDataFile(t, dir, os.O_RDONLY, func(f *os.File) {
		readCached(int(f.Fd()), make([]byte, 1), 0)
	})
	return readsNowait()
}

// rotDataFiles flips the byte at off of every data file under dir, in
// place (the size kept).
func rotDataFiles(t *testing.T, dir string, off int64) {
	t.Helper()
	eachDataFile(t, dir, os.O_RDWR, func(f *os.File) {
		b := make([]byte, 1)
		if _, err := f.ReadAt(b, off); err != nil {
			t.Fatal(err)
		}
		b[0] ^= 0xff
		if _, err := f.WriteAt(b, off); err != nil {
			t.Fatal(err)
		}
	})
}
