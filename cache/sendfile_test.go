package cache

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// Disk hits on plain TCP are sent with sendfile(2) at an
// offset from descriptors the disk tier keeps open, shared by concurrent
// responses: every byte must be the origin's whatever the offset and
// however many responses share a descriptor, and the data files stay
// open between hits (no open and close per hit).
func TestDiskHitsShareHeldDescriptors(t *testing.T) {
	dir := t.TempDir()
	const size = 3*256<<10 - 1000 // three slices, the last one short
	o := testenv.NewOrigin(t)
	o.PutPattern("/h.m4s", size)
	e := startUnsampledDiskEdge(t, dir, o)
	c := client(t)
	do(t, c, "GET", e.url+"/h.m4s")
	waitIdle(t, e)
	do(t, c, "GET", e.url+"/h.m4s") // the first disk read of each slice is verified
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- heldRanges(t, e.url+"/h.m4s", g)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := openDataFiles(t, dir); n == 0 {
		t.Fatal("no data file held open after the disk hits: each hit opened and closed its own")
	}
	if n := o.Requests(""); n != 3 {
		t.Fatalf("origin requests %d, want 3 (one per slice)", n)
	}
}

// heldRanges asks for ranges within one slice, from 1 byte to over
// 100 KiB at offsets that vary with g, and checks every byte.
func heldRanges(t *testing.T, url string, g int) error {
	c := client(t)
	for i := range 12 {
		slice := int64((g + i) % 3)
		from := slice*256<<10 + int64(g*997+i*131)%(100<<10)
		to := min(from+1+int64(i*i*997), (slice+1)*256<<10, 3*256<<10-1000) - 1
		r := do(t, c, "GET", url, "Range", fmt.Sprintf("bytes=%d-%d", from, to))
		if r.status != 206 || r.header.Get("X-Cache") != "HIT-DISK" {
			return fmt.Errorf("range %d-%d: status %d, X-Cache %q", from, to, r.status, r.header.Get("X-Cache"))
		}
		if !bytes.Equal(r.body, testenv.PatternBytes(from, to+1)) {
			return fmt.Errorf("range %d-%d: %d bytes, not the origin's", from, to, len(r.body))
		}
	}
	return nil
}

// openDataFiles counts this process's descriptors open on files under
// dir/data.
func openDataFiles(t *testing.T, dir string) int {
	return openFDs(t, filepath.Join(dir, "data")+"/")
}

// openFDs counts this process's descriptors whose target (as
// /proc/self/fd shows it) starts with prefix.
func openFDs(t *testing.T, prefix string) int {
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc/self/fd: %v", err)
	}
	n := 0
	for _, e := range ents {
		if p, err := os.Readlink(filepath.Join("/proc/self/fd", e.Name())); err == nil && strings.HasPrefix(p, prefix) {
			n++
		}
	}
	return n
}

// startUnsampledDiskEdge starts an edge on o with its RAM tier off and a
// disk tier in dir that verifies no sampled reads, so that every disk
// hit after the first is sent from the held descriptor.
func startUnsampledDiskEdge(t *testing.T, dir string, o *testenv.Origin) *edge {
	t.Helper()
	cfg := testConfig()
	cfg.RAMBytes = 0
	noSample := func(c *disktier.Config) { c.VerifySample = 0 }
	return startEdgeDisk(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}), diskOpener(t, dir, disktier.Deps{}, noSample))
}
