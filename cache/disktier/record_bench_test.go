package disktier

import (
	"testing"
	"time"
)

// BenchmarkDecodeRecord decodes the record of a 2 MiB slice (32 CRCs), as
// a disk hit that misses the record cache does.
func BenchmarkDecodeRecord(b *testing.B) {
	r := Record{Key: "/vod/t0001234/1080p/seg0042.m4s", File: fileName("/vod/t0001234/1080p/seg0042.m4s"),
		Length: 2 << 20, ObjSize: 2 << 20, ETag: `"bulk"`, ContentType: "video/mp4", StoredAt: time.Now(),
		ChunkBytes: 64 << 10, CRCs: zeroCRCs(2<<20, 64<<10)}
	v := r.encode()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := decodeRecord(r.Key, v); err != nil {
			b.Fatal(err)
		}
	}
}
