package popularity

import (
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/prometheus/client_golang/prometheus/testutil"
)

// stored is the stored total of a file at a site today.
func stored(t *testing.T, s *Store, site, path string) int64 {
	t.Helper()
	var n int64
	if err := s.deps.Store.Get("f/"+day(today)+"/"+site+"/"+path, &n); err != nil {
		t.Fatalf("%s %s: %v", site, path, err)
	}
	return n
}

const seg0 = "/titles/hit/v/seg-00000.m4s"

func TestIngestBatchCountsAResendOnce(t *testing.T) {
	s, _ := newStore(t)
	body := line(0, "ams", "GET", seg0, 200, 100) + "\n" + line(0, "ams", "GET", seg0, 206, 50) + "\n"
	b := Batch{Node: "e1", Stream: "s1", Seq: 1}
	st, dup, err := s.IngestBatch(strings.NewReader(body), b)
	if err != nil || dup || st.Counted != 2 {
		t.Fatalf("first: %+v dup=%v err=%v", st, dup, err)
	}
	st, dup, err = s.IngestBatch(strings.NewReader(body), b)
	if err != nil || !dup || st.Lines != 2 {
		t.Fatalf("resend: %+v dup=%v err=%v", st, dup, err)
	}
	if got := stored(t, s, "ams", seg0); got != 150 {
		t.Errorf("total %d after a resend, want 150", got)
	}
	// A gap is accepted; an older number after it is a duplicate.
	if _, dup, err := s.IngestBatch(strings.NewReader(body), Batch{Node: "e1", Stream: "s1", Seq: 5}); err != nil || dup {
		t.Fatalf("seq 5: dup=%v err=%v", dup, err)
	}
	if _, dup, _ := s.IngestBatch(strings.NewReader(body), Batch{Node: "e1", Stream: "s1", Seq: 3}); !dup {
		t.Error("seq 3 after 5 was counted")
	}
	// Another stream (a new spool) or another node numbers on its own.
	for _, o := range []Batch{{Node: "e1", Stream: "s2", Seq: 1}, {Node: "e2", Stream: "s1", Seq: 1}} {
		if _, dup, err := s.IngestBatch(strings.NewReader(body), o); err != nil || dup {
			t.Fatalf("%+v: dup=%v err=%v", o, dup, err)
		}
	}
	if got := stored(t, s, "ams", seg0); got != 600 {
		t.Errorf("total %d, want 600 (four batches of 150)", got)
	}
	if last, err := s.LastBatch("e1", "s1"); err != nil || last != 5 {
		t.Errorf("last batch %d, %v; want 5", last, err)
	}
	counted := testutil.ToFloat64(s.m.batches.WithLabelValues("counted"))
	dups := testutil.ToFloat64(s.m.batches.WithLabelValues("duplicate"))
	if counted != 4 || dups != 2 {
		t.Errorf("batches counted %v, duplicate %v; want 4 and 2", counted, dups)
	}
}

func TestIngestBatchConcurrentResendsCountOnce(t *testing.T) {
	s, _ := newStore(t)
	body := line(0, "ams", "GET", seg0, 200, 7) + "\n"
	const senders = 8
	var wg sync.WaitGroup
	counted := make(chan bool, senders)
	for range senders {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, dup, err := s.IngestBatch(strings.NewReader(body), Batch{Node: "e1", Stream: "s", Seq: 1})
			counted <- err == nil && !dup
		}()
	}
	wg.Wait()
	close(counted)
	n := 0
	for c := range counted {
		if c {
			n++
		}
	}
	if n != 1 || stored(t, s, "ams", seg0) != 7 {
		t.Errorf("%d of %d concurrent sends counted, total %d; want 1 and 7", n, senders, stored(t, s, "ams", seg0))
	}
}

func TestIngestBatchWithoutCountedLinesStillRecordsItsNumber(t *testing.T) {
	s, _ := newStore(t)
	body := line(0, "ams", "HEAD", seg0, 200, 0) + "\n"
	if _, dup, err := s.IngestBatch(strings.NewReader(body), Batch{Node: "e1", Stream: "s", Seq: 4}); err != nil || dup {
		t.Fatalf("dup=%v err=%v", dup, err)
	}
	if last, _ := s.LastBatch("e1", "s"); last != 4 {
		t.Errorf("last batch %d, want 4", last)
	}
}

func TestIngestBatchRefusesAnUnnamedBatch(t *testing.T) {
	s, _ := newStore(t)
	for _, b := range []Batch{{Stream: "s", Seq: 1}, {Node: "e", Seq: 1}, {Node: "e", Stream: "s"}} {
		if _, _, err := s.IngestBatch(strings.NewReader(""), b); !errors.Is(err, ErrBadBatch) {
			t.Errorf("%+v: %v, want ErrBadBatch", b, err)
		}
	}
}
