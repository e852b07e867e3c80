package cache

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"testing"
	"time"

	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// blockReader is a fast io.ReadSeeker over a virtual object of any size
// whose content repeats a random 1 MiB block, for throughput benchmarks.
type blockReader struct {
	block     []byte
	pos, size int64
}

func newBlock() []byte {
	b := make([]byte, 1<<20)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

func (r *blockReader) Read(p []byte) (int, error) {
	if r.pos >= r.size {
		return 0, io.EOF
	}
	off := r.pos % int64(len(r.block))
	n := copy(p[:min(int64(len(p)), r.size-r.pos)], r.block[off:])
	r.pos += int64(n)
	return n, nil
}

func (r *blockReader) Seek(off int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
		r.pos = off
	case io.SeekEnd:
		r.pos = r.size + off
	default:
		r.pos += off
	}
	return r.pos, nil
}

// blockOrigin serves /obj of the given size from a repeated block.
func blockOrigin(b *testing.B, size int64) *testenv.Origin {
	o := testenv.NewOrigin(b)
	block := newBlock()
	o.SetHook(func(w http.ResponseWriter, r *http.Request) bool {
		w.Header().Set("ETag", `"bench"`)
		http.ServeContent(w, r, "obj.mp4", time.Time{}, &blockReader{block: block, size: size})
		return true
	})
	return o
}

func discardGET(b *testing.B, c *http.Client, url string, hdr ...string) {
	req, _ := http.NewRequest("GET", url, nil)
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := c.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		b.Fatal(err)
	}
	resp.Body.Close()
}

// BenchmarkMissSequential measures a cold whole-object GET of a 64 MiB
// object through the edge for several slice sizes, against the same GET
// straight from the origin: the price of fetching in slices.
func BenchmarkMissSequential(b *testing.B) {
	const size = 64 << 20
	o := blockOrigin(b, size)
	c := client(b)
	b.Run("direct", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			discardGET(b, c, o.URL+"/obj")
		}
	})
	for _, slice := range []int64{256 << 10, 1 << 20, 4 << 20, 16 << 20} {
		b.Run(fmt.Sprintf("slice=%dKiB", slice>>10), func(b *testing.B) {
			b.SetBytes(size)
			cfg := testConfig()
			cfg.SliceBytes = slice
			h, err := origin.NewHTTP(o.URL, origin.HTTPOptions{})
			if err != nil {
				b.Fatal(err)
			}
			defer h.Close()
			for i := 0; b.Loop(); i++ {
				e := startEdge(b, cfg, h)
				discardGET(b, c, e.url+fmt.Sprintf("/obj?%d", i))
				dropSlices(e.srv, "/obj", size) // stay cold
			}
		})
	}
}

// BenchmarkRangeFirstByteDeep measures the time to the whole of a 64 KiB
// range at 1.5 GiB of a 2 GiB uncached object. "sliced" is the edge's
// approach; "stream-from-start" is the cost of the alternative (fetch the
// object from its first byte and serve the range when the stream reaches
// it), measured as reading the origin up to that offset.
func BenchmarkRangeFirstByteDeep(b *testing.B) {
	const size = 2 << 30
	const at = 3 << 29
	o := blockOrigin(b, size)
	c := client(b)
	rng := fmt.Sprintf("bytes=%d-%d", at, at+64<<10-1)
	b.Run("sliced", func(b *testing.B) {
		h, err := origin.NewHTTP(o.URL, origin.HTTPOptions{})
		if err != nil {
			b.Fatal(err)
		}
		defer h.Close()
		e := startEdge(b, testConfig(), h)
		for b.Loop() {
			discardGET(b, c, e.url+"/obj", "Range", rng)
			dropSlices(e.srv, "/obj", size)
		}
	})
	b.Run("stream-from-start", func(b *testing.B) {
		for b.Loop() {
			discardGET(b, c, o.URL+"/obj", "Range", fmt.Sprintf("bytes=0-%d", at+64<<10-1))
		}
	})
}

// dropSlices removes every slice of an object of size bytes from the RAM
// tier, so that the next request is cold.
func dropSlices(s *Server, key string, size int64) {
	for idx := int64(0); idx <= max(size-1, 0)/s.cfg.SliceBytes; idx++ {
		s.tiers.ram.Del(cachekey.SliceKey(key, idx))
	}
}
