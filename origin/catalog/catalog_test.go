package catalog

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/pebble/v2/vfs"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/origin/kv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type fixture struct {
	t   *testing.T
	fs  vfs.FS
	db  *kv.DB
	cat *Catalog
	dir string
}

func open(t *testing.T) *fixture {
	f := &fixture{t: t, fs: vfs.NewMem(), dir: t.TempDir()}
	f.reopen()
	t.Cleanup(f.close)
	return f
}

func (f *fixture) reopen() {
	db, err := kv.Open("db", kv.Options{FS: f.fs})
	if err != nil {
		f.t.Fatal(err)
	}
	cat, err := Open(Config{IndexDir: filepath.Join(f.dir, "search.bleve")}, Deps{Store: db.Bucket("titles")})
	if err != nil {
		f.t.Fatal(err)
	}
	f.db, f.cat = db, cat
}

func (f *fixture) close() {
	if f.cat != nil {
		f.cat.Close()
		f.db.Close()
		f.cat = nil
	}
}

var library = []struct {
	id, title, desc string
	tags            []string
	year            int
	dur             time.Duration
}{
	{"odyssey", "Space Odyssey", "A voyage to Jupiter with a rogue computer.", []string{"scifi", "classic"}, 1968, 140 * time.Minute},
	{"cooking", "Cooking in Space", "Astronauts bake bread in orbit.", []string{"documentary", "food"}, 2019, 45 * time.Minute},
	{"ocean", "Ocean Deep", "The deep sea is stranger than outer space, say the divers.", []string{"documentary", "nature"}, 2021, 50 * time.Minute},
	{"station", "Station Eleven", "After a pandemic, a troupe of actors travels the Great Lakes.", []string{"drama", "space"}, 2021, 60 * time.Minute},
	{"bakery", "The Bakery", "Bread and pastry in Paris.", []string{"food"}, 2010, 30 * time.Minute},
}

func (f *fixture) fill() {
	for _, l := range library {
		err := f.cat.Create(&Title{ID: l.id, Metadata: Metadata{Title: l.title, Description: l.desc, Tags: l.tags, Year: l.year},
			DurationMS: l.dur.Milliseconds(), Status: Published, Class: Hot})
		if err != nil {
			f.t.Fatal(err)
		}
	}
}

func ids(r *Results) string {
	var s []string
	for _, h := range r.Hits {
		s = append(s, h.ID)
	}
	return strings.Join(s, ",")
}

func (f *fixture) search(q Query) string {
	f.t.Helper()
	r, err := f.cat.Search(q)
	if err != nil {
		f.t.Fatal(err)
	}
	if int(r.Total) < len(r.Hits) {
		f.t.Errorf("total %d < hits %d", r.Total, len(r.Hits))
	}
	return ids(r)
}

// TestSearchRanking: title matches rank above tag matches, which rank
// above description matches; filters narrow; a typo in a title word
// still finds it.
func TestSearchRanking(t *testing.T) {
	f := open(t)
	f.fill()
	cases := []struct {
		name string
		q    Query
		want string
	}{
		{"title then tag then description", Query{Text: "space"}, "odyssey,cooking,station,ocean"},
		{"phrase in title first", Query{Text: "space odyssey"}, "odyssey,cooking,station,ocean"},
		{"stemming", Query{Text: "astronaut baking"}, "cooking"},
		{"tag filter", Query{Text: "bread", Tags: []string{"food"}}, "bakery,cooking"},
		{"two tags", Query{Tags: []string{"documentary", "nature"}}, "ocean"},
		{"year range, newest first", Query{YearMin: 2019, YearMax: 2021}, "station,ocean,cooking"},
		{"duration range", Query{Text: "space", MinDuration: 40 * time.Minute, MaxDuration: 55 * time.Minute}, "cooking,ocean"},
		{"typo", Query{Text: "odysey"}, "odyssey"},
		{"paging", Query{Text: "space", Limit: 2, Offset: 1}, "cooking,station"},
		{"nothing", Query{Text: "zebra"}, ""},
	}
	for _, c := range cases {
		if got := f.search(c.q); got != c.want {
			t.Errorf("%s: %+v → %s, want %s", c.name, c.q, got, c.want)
		}
	}
}

func TestUpdateReindexesAndReopenRebuilds(t *testing.T) {
	f := open(t)
	f.fill()
	_, err := f.cat.Update("bakery", func(t *Title) error {
		t.Description += " Also a rocket launch."
		t.Class = Cold
		t.Files = []File{{Key: "titles/bakery/master.m3u8", Size: 123, SHA256: "ab"}}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if got := f.search(Query{Text: "rocket"}); got != "bakery" {
		t.Errorf("after update: %q", got)
	}
	f.close()
	f.reopen()
	if got := f.search(Query{Text: "rocket", Class: Cold}); got != "bakery" {
		t.Errorf("after reopen: %q", got)
	}
	if n, ok := f.cat.FileSize("/titles/bakery/master.m3u8"); !ok || n != 123 {
		t.Errorf("FileSize = %d %v", n, ok)
	}
	if _, ok := f.cat.FileSize("/titles/bakery/nope"); ok {
		t.Error("FileSize of a missing file")
	}
}

func TestCreateValidates(t *testing.T) {
	f := open(t)
	f.fill()
	if err := f.cat.Create(&Title{ID: "odyssey", Metadata: Metadata{Title: "again"}}); !errors.Is(err, ErrExists) {
		t.Errorf("duplicate: %v", err)
	}
	bad := []Metadata{{}, {Title: "x", Year: 3000}, {Title: "x", Tags: []string{"a,b"}}, {Title: strings.Repeat("x", 400)},
		{Title: "x", ExpectedPlays: -1}, {Title: "x", ExpectedPlays: math.NaN()}, {Title: "x", ExpectedPlays: math.Inf(1)}}
	for _, m := range bad {
		if err := f.cat.Create(&Title{ID: "new", Metadata: m}); !errors.Is(err, ErrInvalid) {
			t.Errorf("%+v: %v", m, err)
		}
	}
	if _, err := f.cat.Get("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get missing: %v", err)
	}
	m := Metadata{Title: " T ", Tags: []string{"A", "a", " b "}}
	if err := m.Normalize(); err != nil || m.Title != "T" || strings.Join(m.Tags, ",") != "a,b" {
		t.Errorf("normalize: %+v %v", m, err)
	}
}

func TestNewID(t *testing.T) {
	cases := map[string]string{"Big Buck Bunny!": "big-buck-bunny-", "  ": "title-", "Été 85": "t-85-", strings.Repeat("a", 100): strings.Repeat("a", 40) + "-"}
	for in, prefix := range cases {
		id := NewID(in)
		if !strings.HasPrefix(id, prefix) || len(id) != len(prefix)+6 {
			t.Errorf("NewID(%q) = %q, want %q + 6 hex", in, id, prefix)
		}
	}
}
