package popularity

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/origin/kv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// sizes is a catalog stand-in: two titles of two files each.
type sizes map[string]int64

func (s sizes) FileSize(p string) (int64, bool) { n, ok := s[p]; return n, ok }
func (s sizes) PlaybackSize(id string) (int64, bool) {
	n, ok := s["title:"+id]
	return n, ok
}

var catalog = sizes{
	"/titles/hit/v/seg-00000.m4s": 1000, "/titles/hit/v/seg-00001.m4s": 1000, "title:hit": 2000,
	"/titles/flop/v/seg-00000.m4s": 1000, "title:flop": 1000,
}

var today = time.Date(2026, 3, 10, 15, 0, 0, 0, time.UTC)

func newStore(t *testing.T) (*Store, *prometheus.Registry) {
	db, err := kv.Open("db", kv.Options{FS: vfs.NewMem()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	reg := prometheus.NewRegistry()
	s, err := New(Config{Alpha: 0.5, Window: 3}, Deps{Store: db.Bucket("pop"), Sizes: catalog, Registerer: reg, Now: func() time.Time { return today }})
	if err != nil {
		t.Fatal(err)
	}
	return s, reg
}

func line(daysAgo int, site, method, path string, status int, bytes int64) string {
	at := today.AddDate(0, 0, -daysAgo).Format("2006-01-02T15:04:05.000000Z07:00")
	return fmt.Sprintf(`{"time":%q,"client":"10.0.0.1:5000","method":%q,"path":%q,"range":"","status":%d,"bytes":%d,"tier":"HIT-RAM","ttfb_ms":0.1,"node":"e1","site":%q}`,
		at, method, path, status, bytes, site)
}

func TestIngestAndScores(t *testing.T) {
	s, reg := newStore(t)
	batch := strings.Join([]string{
		line(2, "ams", "GET", "/titles/hit/v/seg-00000.m4s", 200, 1000),
		line(1, "ams", "GET", "/titles/hit/v/seg-00000.m4s", 206, 500),
		line(0, "ams", "GET", "/titles/hit/v/seg-00000.m4s", 200, 1000),
		line(0, "fra", "GET", "/titles/hit/v/seg-00001.m4s", 200, 2000),
		line(0, "fra", "GET", "/titles/flop/v/seg-00000.m4s", 200, 100),
		line(0, "ams", "HEAD", "/titles/hit/v/seg-00000.m4s", 200, 0),
		line(0, "ams", "GET", "/titles/hit/v/seg-00000.m4s", 404, 20),
		line(0, "ams", "GET", "/sample/master.m3u8", 200, 300),
		`{"time":"yesterday","path":"/x","status":200}`,
		"not json at all",
		"",
		strings.Repeat("x", 20<<10),
	}, "\n")
	st, err := s.Ingest(strings.NewReader(batch))
	if err != nil {
		t.Fatal(err)
	}
	if st.Lines != 11 || st.Counted != 5 || st.Skipped != 3 || st.Malformed != 3 || st.Bytes != 4600 || !strings.Contains(st.FirstError, "line 9") {
		t.Errorf("stats %+v", st)
	}
	// Ingesting a second batch adds to the totals.
	if _, err := s.Ingest(strings.NewReader(line(0, "ams", "GET", "/titles/hit/v/seg-00000.m4s", 200, 1000))); err != nil {
		t.Fatal(err)
	}
	files, err := s.Files(Query{Site: "ams"})
	if err != nil || len(files) != 1 {
		t.Fatalf("files %+v %v", files, err)
	}
	// Days (oldest first) 1000, 500, 2000 bytes of a 1000-byte file:
	// ewma = .5*1 → .5*.5+.5*.5=.5 → .5*2+.5*.5 = 1.25
	if f := files[0]; f.Name != "/titles/hit/v/seg-00000.m4s" || math.Abs(f.Popularity-1.25) > 1e-9 || f.BytesToday != 2000 || f.BytesWindow != 3500 {
		t.Errorf("ams file score %+v", f)
	}
	titles, _ := s.Titles(Query{})
	if len(titles) != 2 || titles[0].Name != "hit" || titles[1].Name != "flop" {
		t.Fatalf("titles %+v", titles)
	}
	// hit, all sites, per 2000-byte playback: days 1000, 500, 4000 bytes.
	if p := titles[0].Popularity; math.Abs(p-(0.5*2+0.5*(0.5*0.25+0.5*0.25))) > 1e-9 {
		t.Errorf("hit popularity %v", p)
	}
	hist, err := s.TitleHistory("flop", 3, today)
	if err != nil || len(hist) != 3 || hist[0] != 0 || hist[2] != 0.05 {
		t.Errorf("flop history %v %v", hist, err)
	}
	if got := testutil.ToFloat64(s.m.lines.WithLabelValues("malformed")); got != 3 {
		t.Errorf("malformed lines metric %v", got)
	}
	_ = reg
}

func TestParseLine(t *testing.T) {
	r, err := ParseLine([]byte(line(0, "", "GET", "/titles/a/b.m4s", 206, 10)))
	if err != nil || r.Site != DefaultSite || r.Status != 206 || !r.Time.Equal(today) || !r.counts() {
		t.Errorf("%+v %v", r, err)
	}
	for _, bad := range []string{`{}`, `{"time":"2026-01-01T00:00:00Z","path":"x","status":200}`, `{"time":"2026-01-01T00:00:00Z","path":"/x","status":1000}`,
		`{"time":"2026-01-01T00:00:00Z","path":"/x","status":200,"bytes":-1}`, `{"time":"2026-01-01T00:00:00Z","path":"/x","status":200,"site":"a/b"}`} {
		if _, err := ParseLine([]byte(bad)); !errors.Is(err, ErrBadLine) {
			t.Errorf("%s: %v", bad, err)
		}
	}
}

func FuzzParseLine(f *testing.F) {
	f.Add(line(0, "ams", "GET", "/titles/a/v/seg-00001.m4s", 200, 123))
	f.Add(`{"time":"2026-01-01T00:00:00.5+02:00","path":"/\u00ff","status":599,"bytes":9223372036854775807,"site":"x"}`)
	f.Fuzz(func(t *testing.T, in string) {
		r, err := ParseLine([]byte(in))
		if err != nil {
			if !errors.Is(err, ErrBadLine) {
				t.Fatalf("unclassified %v", err)
			}
			return
		}
		if r.Path == "" || r.Path[0] != '/' || r.Bytes < 0 || r.Site == "" || strings.Contains(r.Site, "/") {
			t.Fatalf("accepted %+v", r)
		}
	})
}
