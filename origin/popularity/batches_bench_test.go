package popularity

import (
	"fmt"
	"strings"
	"testing"

	"github.com/vodedge/vodedge/origin/kv"
)

// benchBody is n access-log lines over 200 files of two titles.
func benchBody(n int) string {
	var b strings.Builder
	for i := range n {
		b.WriteString(line(0, "ams", "GET", fmt.Sprintf("/titles/hit/v/seg-%05d.m4s", i%200), 200, 1000))
		b.WriteByte('\n')
	}
	return b.String()
}

func benchStore(b *testing.B) *Store {
	db, err := kv.Open(b.TempDir(), kv.Options{}) // a real disk: commits are synced
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	s, err := New(Config{}, Deps{Store: db.Bucket("pop"), Sizes: catalog})
	if err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkIngest10k is the plain route's cost per 10,000-line batch:
// the peer of BenchmarkIngestBatch10k, which adds the once-only check
// and the sequence number's write to the same synced commit.
func BenchmarkIngest10k(b *testing.B) {
	s, body := benchStore(b), benchBody(10_000)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := s.Ingest(strings.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkIngestBatch10k(b *testing.B) {
	s, body := benchStore(b), benchBody(10_000)
	b.SetBytes(int64(len(body)))
	seq := uint64(0)
	for b.Loop() {
		seq++
		if _, dup, err := s.IngestBatch(strings.NewReader(body), Batch{Node: "e1", Stream: "s", Seq: seq}); err != nil || dup {
			b.Fatal(dup, err)
		}
	}
}

// BenchmarkIngestBatch10kResend is a resend: parsed, not written.
func BenchmarkIngestBatch10kResend(b *testing.B) {
	s, body := benchStore(b), benchBody(10_000)
	b.SetBytes(int64(len(body)))
	s.IngestBatch(strings.NewReader(body), Batch{Node: "e1", Stream: "s", Seq: 1})
	for b.Loop() {
		if _, dup, err := s.IngestBatch(strings.NewReader(body), Batch{Node: "e1", Stream: "s", Seq: 1}); err != nil || !dup {
			b.Fatal(dup, err)
		}
	}
}
