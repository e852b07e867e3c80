package fill_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/tiergrant"
	"github.com/vodedge/vodedge/origin"
)

// tierSetup is a parent site ix of one node (ix-1) and a child site ams,
// the files at an origin, and a controller stand-in serving each site's
// manifest (/m/SITE) and the child's parents (/v1/parents/ams).
type tierSetup struct {
	t       *testing.T
	pub     ed25519.PublicKey
	priv    ed25519.PrivateKey
	o       fileOrigin
	parent  *node
	entries []manifest.Entry
	docs    map[string][]byte // manifest by site
	expires time.Time         // of the grant the stand-in signs

	mu    sync.Mutex
	asked []string // the Parent calls: site/node@addr grant-ok
}

func newTierSetup(t *testing.T, files int, size int64) *tierSetup {
	s := &tierSetup{t: t, o: newOrigin(t), docs: map[string][]byte{}, expires: time.Now().Add(time.Hour)}
	s.pub, s.priv = keys(t)
	s.parent = newNode(t, "ix-1", httpOrigin(t, s.o.URL))
	for i := range files {
		e := s.o.add(fmt.Sprintf("/tier/%02d.m4s", i), size)
		e.Priority = i + 1
		s.entries = append(s.entries, e)
	}
	return s
}

// manifestFor signs the files for site, all on node.
func (s *tierSetup) manifestFor(site, node string) {
	m := &manifest.Manifest{Version: 1, Site: site}
	for _, e := range s.entries {
		e.Nodes = []string{node}
		m.Entries = append(m.Entries, e)
	}
	s.docs[site] = sign(s.t, m, s.priv)
}

// controller starts the stand-in.
func (s *tierSetup) controller() string {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /m/{site}", func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("base") != "" {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Write(s.docs[r.PathValue("site")])
	})
	mux.HandleFunc("GET /v1/parents/ams", func(w http.ResponseWriter, r *http.Request) {
		tok, err := tiergrant.Sign(tiergrant.Grant{Site: "ams", Parents: []string{"ix"}, Expires: s.expires}, s.priv)
		if err != nil {
			s.t.Error(err)
		}
		addr := strings.TrimPrefix(s.parent.peer, "http://")
		json.NewEncoder(w).Encode(tiergrant.Directory{Site: "ams", Grant: tok, Parents: []tiergrant.Parent{
			{Site: "ix", Nodes: []tiergrant.Node{{Name: "ix-1", Weight: 1, PeerAddr: addr}}}}})
	})
	srv := httptest.NewServer(mux)
	s.t.Cleanup(srv.Close)
	return srv.URL
}

// parentSource is the agent's Deps.Parent: the parent node's peer
// listener (these tests' listeners take any request), recording what
// it was asked with.
func (s *tierSetup) parentSource(site, node, addr, grant string) (fill.Source, bool) {
	_, err := tiergrant.Open(grant, s.pub)
	s.mu.Lock()
	s.asked = append(s.asked, fmt.Sprintf("%s/%s@%s grant-ok=%v", site, node, addr, err == nil))
	s.mu.Unlock()
	h, err := origin.NewHTTP("http://"+addr, origin.HTTPOptions{HeaderTimeout: time.Second})
	if err != nil {
		return nil, false
	}
	s.t.Cleanup(func() { h.Close() })
	return peerSource{h}, true
}

// run fills n as a node of site from the stand-in at url until done.
func (s *tierSetup) run(n *node, site, url string) fill.Status {
	cfg := testAgentConfig(n, s.pub, s.t)
	cfg.Site, cfg.ManifestURL, cfg.PollEvery = site, url+"/m/"+site, time.Hour
	cfg.ParentsURL = url + "/v1/parents/" + site
	a, err := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(s.t, s.o.URL), Parent: s.parentSource})
	if err != nil {
		s.t.Fatal(err)
	}
	stop := runAgent(a)
	defer stop()
	testenv.Eventually(s.t, 60*time.Second, n.name+" to apply", func() bool { return a.Status().State == fill.StateDone })
	for _, e := range s.entries {
		if !bytes.Equal(readFile(s.t, n, e.Key, e.Size, 256<<10), content(e.Key, e.Size)) {
			s.t.Fatalf("%s: %s differs", n.name, e.Key)
		}
	}
	return a.Status()
}

func (s *tierSetup) total() int64 {
	var b int64
	for _, e := range s.entries {
		b += e.Size
	}
	return b
}

// A child node asks the node owning each file in its parent site, with
// the grant, before the origin: once the parent holds the files the
// child costs the origin nothing. With the parent down it fills from
// the origin.
func TestChildFillsFromItsParent(t *testing.T) {
	s := newTierSetup(t, 6, 300_000)
	s.manifestFor("ix", "ix-1")
	s.manifestFor("ams", "ams-1")
	url := s.controller()
	if st := s.run(s.parent, "ix", url); st.BySource["origin"] != s.total() {
		t.Fatalf("the parent filled %v by source, want all %d from the origin", st.BySource, s.total())
	}
	sent := s.o.Sent("")

	child := newNode(t, "ams-1", httpOrigin(t, s.o.URL))
	if st := s.run(child, "ams", url); st.BySource["parent"] != s.total() || st.BySource["origin"] != 0 {
		t.Fatalf("the child filled %v by source, want all %d from its parent", st.BySource, s.total())
	}
	if got := s.o.Sent(""); got != sent {
		t.Fatalf("the child cost the origin %d bytes, want 0", got-sent)
	}
	s.mu.Lock()
	asked := s.asked[0]
	s.mu.Unlock()
	if want := "ix/ix-1@" + strings.TrimPrefix(s.parent.peer, "http://") + " grant-ok=true"; asked != want {
		t.Fatalf("asked the parent as %q, want %q", asked, want)
	}

	s.parent.stop()
	s.manifestFor("ams", "ams-2")
	second := newNode(t, "ams-2", httpOrigin(t, s.o.URL))
	if st := s.run(second, "ams", url); st.BySource["origin"] != s.total() || st.BySource["parent"] != 0 {
		t.Fatalf("with the parent down the child filled %v by source, want all %d from the origin", st.BySource, s.total())
	}
}

// An expired grant turns the parents off: the node goes to the origin
// without asking them.
func TestExpiredGrantSkipsParents(t *testing.T) {
	s := newTierSetup(t, 3, 100_000)
	s.expires = time.Now().Add(-time.Minute)
	s.manifestFor("ams", "ams-1")
	url := s.controller()
	child := newNode(t, "ams-1", httpOrigin(t, s.o.URL))
	if st := s.run(child, "ams", url); st.BySource["origin"] != s.total() {
		t.Fatalf("filled %v by source, want all from the origin", st.BySource)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.asked) != 0 {
		t.Fatalf("asked parents with an expired grant: %v", s.asked)
	}
}
