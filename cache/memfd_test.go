package cache

import (
	"bytes"
	"testing"

	"github.com/vodedge/vodedge/cache/memfile"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// Large RAM-tier slices live in memfds and are sent with sendfile: the
// bytes must be exactly the origin's, for whole objects and ranges, and a
// purge must release the memory.
func TestLargeRAMSlicesServedFromMemfd(t *testing.T) {
	o := testenv.NewOrigin(t)
	const size = 2<<20 + 333
	o.PutPattern("/big.m4s", size)
	cfg := testConfig()
	cfg.SliceBytes = 4 << 20
	cfg.MemfileMinBytes = 256 << 10
	e := startEdge(t, cfg, httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	before := memfile.Live()
	do(t, c, "GET", e.url+"/big.m4s")
	testenv.Eventually(t, 5e9, "the slice to enter the RAM tier", func() bool {
		return do(t, c, "HEAD", e.url+"/big.m4s").header.Get("X-Cache") == "HIT-RAM" && memfile.Live()-before == size
	})
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
