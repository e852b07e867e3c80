package fill_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
)

// controller is a test controller: it serves the current version of the
// site's manifest, as a delta when asked with ?base= for a version it
// kept, and file indexes by hash, behind a bearer token.
type controller struct {
	mu       sync.Mutex
	versions map[int64]*manifest.Version
	current  int64
	indexes  map[string][]byte
	lieBase  int64    // if set, deltas are made against this version, whatever was asked
	lieIndex bool     // if set, indexes come back altered
	requests []string // manifest requests, "base=N" or "full"
	fetched  map[string]int
	priv     []byte
}

func (c *controller) publish(t *testing.T, m *manifest.Manifest) {
	groups, idx, err := manifest.Groups(m)
	if err != nil {
		t.Fatal(err)
	}
	v, err := manifest.NewVersion(m.Site, m.Version, m.Created, groups)
	if err != nil {
		t.Fatal(err)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.versions[m.Version], c.current = v, m.Version
	for h, b := range idx {
		c.indexes[h] = b
	}
}

func (c *controller) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Header.Get("Authorization") != "Bearer tok" {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	if h, ok := strings.CutPrefix(r.URL.Path, "/v1/indexes/"); ok {
		b, ok := c.indexes[h]
		if !ok {
			http.NotFound(w, r)
			return
		}
		c.fetched[h]++
		if c.lieIndex {
			b = bytes.Replace(b, []byte(" "), []byte("  "), 1)
		}
		w.Write(manifest.GzipIndex(b))
		return
	}
	cur := c.versions[c.current]
	base, _ := strconv.ParseInt(r.URL.Query().Get("base"), 10, 64)
	var doc []byte
	var err error
	switch {
	case base == 0:
		c.requests = append(c.requests, "full")
		doc, err = cur.Full(c.priv, nil)
	case base == c.current:
		c.requests = append(c.requests, "current")
		w.WriteHeader(http.StatusNotModified)
		return
	default:
		c.requests = append(c.requests, "base="+strconv.FormatInt(base, 10))
		if c.lieBase != 0 {
			base = c.lieBase
		}
		doc, err = cur.Delta(c.versions[base], c.priv)
	}
	if err != nil {
		http.Error(w, err.Error(), 500)
		return
	}
	w.Write(doc)
}

// tokenTransport adds the controller's bearer token.
type tokenTransport struct{}

func (tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer tok")
	return http.DefaultTransport.RoundTrip(r)
}

// TestPolledDeltasAndTheWrongBase: the node polls a full manifest, then
// deltas; unchanged groups cost no index fetch; files no longer listed
// are unpinned; a delta against another base is refused and the full
// manifest fetched at once.
func TestPolledDeltasAndTheWrongBase(t *testing.T) {
	o := newOrigin(t)
	n := newNode(t, "n1", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	ctl := &controller{versions: map[int64]*manifest.Version{}, indexes: map[string][]byte{}, fetched: map[string]int{}, priv: priv}
	entry := func(key string, size int64) manifest.Entry {
		e := o.add(key, size)
		e.Nodes = []string{"n1"}
		return e
	}
	a1, b1, c1 := entry("/titles/a/1.m4s", 1000), entry("/titles/b/1.m4s", 2000), entry("/titles/c/1.m4s", 3000)
	ctl.publish(t, &manifest.Manifest{Version: 1, Site: "ams", Entries: []manifest.Entry{a1, b1}})
	srv := httptest.NewServer(ctl)
	defer srv.Close()

	cfg := testAgentConfig(n, pub, t)
	cfg.ManifestURL, cfg.PollEvery = srv.URL+"/v1/manifests/ams", 20*time.Millisecond
	a, err := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, o.URL), HTTP: &http.Client{Transport: tokenTransport{}}})
	if err != nil {
		t.Fatal(err)
	}
	stop := runAgent(a)
	defer stop()
	applied := func(v int64) func() bool {
		return func() bool { st := a.Status(); return st.Applied == v && st.State == fill.StateDone }
	}
	testenv.Eventually(t, 20*time.Second, "version 1 applied", applied(1))

	// Version 2: b goes, c comes, a is unchanged.
	ctl.publish(t, &manifest.Manifest{Version: 2, Site: "ams", Entries: []manifest.Entry{a1, c1}})
	testenv.Eventually(t, 20*time.Second, "version 2 applied", applied(2))
	if !bytes.Equal(readFile(t, n, c1.Key, c1.Size, 256<<10), content(c1.Key, c1.Size)) {
		t.Fatal("c not filled")
	}
	if r, ok := n.store.Lookup(cachekey.SliceKey(b1.Key, 0), false); !ok || r.Pinned {
		t.Fatalf("b, no longer listed, is still pinned (held %v)", ok)
	}
	ctl.mu.Lock()
	for h, k := range ctl.fetched {
		if k != 1 {
			t.Errorf("index %s fetched %d times", h, k)
		}
	}
	if len(ctl.fetched) != 3 || !slices.Contains(ctl.requests, "base=1") {
		t.Errorf("%d indexes fetched, requests %v", len(ctl.fetched), ctl.requests)
	}
	// Version 3, served as a delta against version 1 whatever was asked.
	ctl.lieBase = 1
	ctl.requests = nil
	ctl.mu.Unlock()
	ctl.publish(t, &manifest.Manifest{Version: 3, Site: "ams", Entries: []manifest.Entry{a1, b1, c1}})
	testenv.Eventually(t, 20*time.Second, "version 3 applied", applied(3))
	ctl.mu.Lock()
	defer ctl.mu.Unlock()
	// Polls made before version 3 was published were answered 304.
	asked := slices.DeleteFunc(slices.Clone(ctl.requests), func(r string) bool { return r == "current" })
	if len(asked) < 2 || asked[0] != "base=2" || asked[1] != "full" {
		t.Errorf("requests %v: want a delta refused, then the full manifest", ctl.requests)
	}
}

// A restarted agent resumes from the manifest it saved, re-verified; a
// saved manifest altered on disk is not used.
func TestRestartResumesFromTheSavedManifest(t *testing.T) {
	o := newOrigin(t)
	n := newNode(t, "n1", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	e := o.add("/titles/r/1.m4s", 5000)
	e.Nodes = []string{"n1"}
	cfg := testAgentConfig(n, pub, t)
	cfg.Window, _ = fill.ParseWindow("02:00-03:00", time.UTC)
	night := func() time.Time { return time.Date(2026, 1, 1, 20, 0, 0, 0, time.UTC) } // window closed
	a, _ := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, o.URL), Now: night})
	if _, err := a.Offer(sign(t, &manifest.Manifest{Version: 4, Site: "ams", Entries: []manifest.Entry{e}}, priv)); err != nil {
		t.Fatal(err)
	}
	cfg.Window, _ = fill.ParseWindow("00:00-00:00", time.UTC)
	b, _ := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, o.URL)})
	stop := runAgent(b)
	testenv.Eventually(t, 20*time.Second, "the saved manifest applied", func() bool { return b.Status().Applied == 4 })
	stop()

	saved, _ := filepath.Glob(filepath.Join(cfg.StateDir, "manifests", "manifest-*"))
	if len(saved) != 1 {
		t.Fatalf("saved %v", saved)
	}
	raw, _ := os.ReadFile(saved[0])
	os.WriteFile(saved[0], bytes.Replace(raw, []byte(`"files":1,`), []byte(`"files":2,`), 1), 0o644)
	c, _ := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, o.URL)})
	c.Restore()
	if v := c.Latest(); v != 0 {
		t.Fatalf("an altered saved manifest (version %d) was used", v)
	}
}

// An index that does not match its hash stops the pass with a clear
// error and nothing fetched; once the controller serves it right, the
// manifest applies.
func TestIndexThatDoesNotMatchItsHash(t *testing.T) {
	o := newOrigin(t)
	n := newNode(t, "n1", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	ctl := &controller{versions: map[int64]*manifest.Version{}, indexes: map[string][]byte{}, fetched: map[string]int{}, priv: priv, lieIndex: true}
	e := o.add("/titles/x/1.m4s", 1000)
	e.Nodes = []string{"n1"}
	ctl.publish(t, &manifest.Manifest{Version: 1, Site: "ams", Entries: []manifest.Entry{e}})
	srv := httptest.NewServer(ctl)
	defer srv.Close()
	cfg := testAgentConfig(n, pub, t)
	cfg.ManifestURL, cfg.PollEvery = srv.URL+"/v1/manifests/ams", time.Hour
	a, err := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, o.URL), HTTP: &http.Client{Transport: tokenTransport{}}})
	if err != nil {
		t.Fatal(err)
	}
	stop := runAgent(a)
	defer stop()
	testenv.Eventually(t, 20*time.Second, "the bad index reported", func() bool {
		return strings.Contains(a.Status().LastError, "bad file index")
	})
	if _, ok := n.store.Lookup(cachekey.SliceKey(e.Key, 0), false); ok || o.Requests("") != 0 {
		t.Fatal("a file was fetched on a bad index")
	}
	ctl.mu.Lock()
	ctl.lieIndex = false
	ctl.mu.Unlock()
	a.FillNow() // wakes the agent: the pass runs again
	testenv.Eventually(t, 20*time.Second, "applied", func() bool { return a.Status().Applied == 1 })
}
