package fill_test

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/placement"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// site is three nodes filling one manifest with fill masters.
type site struct {
	t      *testing.T
	o      fileOrigin
	nodes  []*node
	agents []*fill.Agent
	stops  []func()
	mu     sync.Mutex
	dead   map[string]bool    // protected by mu
	learn  func(asked string) // called under mu when a node asks a peer
}

func newSite(t *testing.T, names ...string) *site {
	s := &site{t: t, o: newOrigin(t), dead: map[string]bool{}}
	for _, n := range names {
		s.nodes = append(s.nodes, newNode(t, n, httpOrigin(t, s.o.URL)))
	}
	return s
}

func (s *site) live() []placement.Node {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []placement.Node
	for _, n := range s.nodes {
		if !s.dead[n.name] {
			out = append(out, placement.Node{Name: n.name, Weight: 1})
		}
	}
	return out
}

func (s *site) peer(name string) (fill.Source, bool) {
	s.mu.Lock()
	if s.learn != nil {
		s.learn(name)
	}
	s.mu.Unlock()
	for _, n := range s.nodes {
		if n.name == name {
			h, err := origin.NewHTTP(n.peer, origin.HTTPOptions{HeaderTimeout: time.Second})
			if err != nil {
				return nil, false
			}
			s.t.Cleanup(func() { h.Close() })
			return peerSource{h}, true
		}
	}
	return nil, false
}

// start runs an agent for each of the given nodes (all when none given).
func (s *site) start(pub []byte, raw []byte, nodes ...*node) {
	if len(nodes) == 0 {
		nodes = s.nodes
	}
	for _, n := range nodes {
		cfg := testAgentConfig(n, pub, s.t)
		a, err := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(s.t, s.o.URL), Peer: s.peer, SiteNodes: s.live})
		if err != nil {
			s.t.Fatal(err)
		}
		if _, err := a.Offer(raw); err != nil {
			s.t.Fatal(err)
		}
		s.agents = append(s.agents, a)
		s.stops = append(s.stops, runAgent(a))
	}
	s.t.Cleanup(func() {
		for _, stop := range s.stops {
			stop()
		}
	})
}

func (s *site) manifest(files int, size int64, priv []byte) ([]manifest.Entry, []byte) {
	m := &manifest.Manifest{Version: 1, Site: "ams"}
	for i := range files {
		e := s.o.add(fmt.Sprintf("/site/%02d.m4s", i), size)
		e.Copies, e.Priority = len(s.nodes), i+1
		for _, n := range s.nodes {
			e.Nodes = append(e.Nodes, n.name)
		}
		m.Entries = append(m.Entries, e)
	}
	return m.Entries, sign(s.t, m, priv)
}

func TestSiteFillsEachFileFromTheOriginOnce(t *testing.T) {
	s := newSite(t, "n1", "n2", "n3")
	pub, priv := keys(t)
	const files, size = 12, 300_000
	entries, raw := s.manifest(files, size, priv)
	s.start(pub, raw)
	for _, a := range s.agents {
		testenv.Eventually(t, 60*time.Second, "every node to apply", func() bool { return a.Status().State == fill.StateDone })
	}
	for _, n := range s.nodes {
		for _, e := range entries {
			if !bytes.Equal(readFile(t, n, e.Key, e.Size, 256<<10), content(e.Key, e.Size)) {
				t.Fatalf("%s: %s differs", n.name, e.Key)
			}
		}
	}
	for _, e := range entries {
		if got := s.o.Sent(e.Key); got != e.Size {
			t.Errorf("%s crossed the origin link with %d bytes, want exactly its %d", e.Key, got, e.Size)
		}
	}
	var master, origins int64
	for _, a := range s.agents {
		st := a.Status()
		master += st.BySource["master"]
		origins += st.BySource["origin"]
	}
	t.Logf("bytes from origin %d, from fill masters %d (files × size = %d)", origins, master, files*size)
}

func TestSiteCompletesWhenAMasterDies(t *testing.T) {
	s := newSite(t, "n1", "n2", "n3")
	pub, priv := keys(t)
	const files, size = 12, 300_000
	entries, raw := s.manifest(files, size, priv)
	// n3 dies before doing anything: its agent never runs, its peer
	// listener is gone, and the others learn it only once one of them
	// has asked it for a file.
	s.nodes[2].stop()
	s.learn = func(asked string) {
		if asked == "n3" {
			s.dead["n3"] = true
		}
	}
	s.start(pub, raw, s.nodes[0], s.nodes[1])
	for _, a := range s.agents {
		testenv.Eventually(t, 60*time.Second, "the survivors to apply", func() bool { return a.Status().State == fill.StateDone })
	}
	for _, n := range s.nodes[:2] {
		for _, e := range entries {
			if !bytes.Equal(readFile(t, n, e.Key, e.Size, 256<<10), content(e.Key, e.Size)) {
				t.Fatalf("%s: %s differs", n.name, e.Key)
			}
		}
	}
	t.Logf("origin bytes with a dead master: %d for %d bytes of files", s.o.Sent(""), files*size)
}
