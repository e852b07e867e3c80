package logship

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"testing"
)

// benchLines is about 1 MiB of access-log lines.
func benchLines() []byte {
	var b bytes.Buffer
	for i := 0; b.Len() < 1<<20-300; i++ {
		fmt.Fprintf(&b, `{"time":"2026-12-06T10:00:00.%06dZ","client":"10.1.%d.%d:5%04d","method":"GET","path":"/titles/t%d/video-h264-720p/seg-%05d.m4s","range":"","status":200,"bytes":%d,"tier":"HIT-RAM","cache":"hit","ttfb_ms":0.12,"node":"ams-1","site":"ams"}`+"\n",
			i%1_000_000, i%250, i%200, i%10000, i%40, i%900, 500_000+i)
	}
	return b.Bytes()
}

// BenchmarkSpoolBatch cuts a 1 MiB batch into the spool: gzip, a synced
// batch file, a synced cursor. Its peer, BenchmarkGzipOnly, is the gzip
// alone (what a shipper without a spool spends); the ratio is the cost
// of surviving a kill -9.
func BenchmarkSpoolBatch(b *testing.B) {
	lines := benchLines()
	rc := newReceiver(b)
	s, err := New(Config{URL: rc.url(), LogPath: "/nonexistent", SpoolDir: b.TempDir()}, Deps{})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(lines)))
	n := bytes.Count(lines, []byte{'\n'})
	for b.Loop() {
		if err := s.spool(lines); err != nil {
			b.Fatal(err)
		}
		s.remove(s.pending[0])
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "lines/s")
}

func BenchmarkGzipOnly(b *testing.B) {
	lines := benchLines()
	b.SetBytes(int64(len(lines)))
	n := bytes.Count(lines, []byte{'\n'})
	for b.Loop() {
		zw := gzip.NewWriter(io.Discard)
		zw.Write(lines)
		zw.Close()
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "lines/s")
}
