package cache

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// bigFile writes a sparse file of size bytes with pattern data in blocks
// at seeded random offsets (the rest reads as zeros), and returns the
// blocks' offsets.
func bigFile(t *testing.T, path string, size int64, blocks int, block int64) []int64 {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := f.Truncate(size); err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(7, 11))
	offs := make([]int64, blocks)
	for i := range offs {
		offs[i] = r.Int64N(size - block)
		if _, err := f.WriteAt(testenv.PatternBytes(offs[i], offs[i]+block), offs[i]); err != nil {
			t.Fatal(err)
		}
	}
	return offs
}

// TestLargeFileByRandomRanges serves a 20 GiB object (a 4K title's
// rendition), sparse on the origin's disk, by byte ranges at random
// offsets as players of a large library fetch it: every range comes back
// exactly, first from the origin and then from the disk tier; only the
// slices the ranges touch are fetched and stored (an object's slices are
// kept together on its disk, each a file of its own, so a range deep in
// the object costs one or two slices, never the bytes before it).
func TestLargeFileByRandomRanges(t *testing.T) {
	dir := t.TempDir()
	const size, slice = 20 << 30, 256 << 10
	path := filepath.Join(dir, "movie.mp4")
	blocks := bigFile(t, path, size, 48, 64<<10)
	src, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	org, err := origin.NewFile(dir)
	if err != nil {
		t.Fatal(err)
	}
	cfg := smallRAM()
	cfg.SliceBytes = slice
	e := startEdgeDisk(t, cfg, org, diskOpener(t, t.TempDir(), disktier.Deps{}))
	ranges := randomRanges(blocks, size, slice)
	touched := map[int64]bool{}
	for _, rg := range ranges {
		for idx := rg[0] / slice; idx <= rg[1]/slice; idx++ {
			touched[idx] = true
		}
	}
	c := client(t)
	for pass := range 2 {
		for _, rg := range ranges {
			checkRange(t, c, e.url+"/movie.mp4", src, rg, size)
		}
		waitIdle(t, e)
		fetches := testenv.Metric(t, e.reg, "vodedge_edge_origin_fetches_total")
		if pass == 0 && fetches != float64(len(touched)) {
			t.Fatalf("%v origin fetches for %d ranges touching %d slices: want one per slice", fetches, len(ranges), len(touched))
		}
		if pass == 1 && fetches != float64(len(touched)) {
			t.Fatalf("the second pass went to the origin: %v fetches, %d slices", fetches, len(touched))
		}
	}
	if _, objects, _ := e.srv.tiers.disk.Usage(); objects != int64(len(touched)) {
		t.Fatalf("disk tier holds %d slices, the ranges touched %d", objects, len(touched))
	}
}

// randomRanges are ranges over blocks of data (so bytes are not all
// zeros), across slice boundaries, at the very end and the very start.
func randomRanges(blocks []int64, size, slice int64) [][2]int64 {
	r := rand.New(rand.NewPCG(3, 5))
	out := [][2]int64{{0, 99}, {size - 1, size - 1}, {size - 70_000, size - 1}}
	for _, b := range blocks {
		from := max(b-r.Int64N(slice/2), 0)
		out = append(out, [2]int64{from, min(from+1+r.Int64N(slice+slice/2), size-1)})
	}
	for range 16 {
		from := (r.Int64N(size/slice-1)+1)*slice - 1 - r.Int64N(100) // straddles a slice boundary
		out = append(out, [2]int64{from, from + 200 + r.Int64N(1000)})
	}
	return out
}

// checkRange fetches rg and compares the 206 with the origin's bytes.
func checkRange(t *testing.T, c *http.Client, url string, src *os.File, rg [2]int64, size int64) {
	t.Helper()
	want := make([]byte, rg[1]-rg[0]+1)
	if _, err := src.ReadAt(want, rg[0]); err != nil {
		t.Fatal(err)
	}
	rep := do(t, c, "GET", url, "Range", fmt.Sprintf("bytes=%d-%d", rg[0], rg[1]))
	cr := fmt.Sprintf("bytes %d-%d/%d", rg[0], rg[1], size)
	if rep.status != 206 || rep.header.Get("Content-Range") != cr || !bytes.Equal(rep.body, want) {
		t.Fatalf("range %d-%d: %d %q, %d bytes (equal %v)", rg[0], rg[1], rep.status, rep.header.Get("Content-Range"), len(rep.body), bytes.Equal(rep.body, want))
	}
}
