package fill_test

import (
	"bytes"
	"context"
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

// heldStore is a node's store whose commits of a file's later slices
// wait for release: the node holds the file's first slice, and not the
// whole file, for as long as the test likes. held is closed once such a
// commit waits.
type heldStore struct {
	fill.Store
	held, release chan struct{}
	once          sync.Once
}

func (s *heldStore) Create(sl fill.Slice) (fill.SliceWriter, error) {
	w, err := s.Store.Create(sl)
	if err != nil || sl.Offset == 0 {
		return w, err
	}
	return heldWriter{w, s}, nil
}

type heldWriter struct {
	fill.SliceWriter
	s *heldStore
}

func (w heldWriter) Commit() error {
	w.s.once.Do(func() { close(w.s.held) })
	<-w.s.release
	return w.SliceWriter.Commit()
}

// missHook is a peer source that calls onMiss when the peer does not
// answer a request.
type missHook struct {
	fill.Source
	onMiss func()
}

func (p missHook) Fetch(ctx context.Context, req origin.Request) (*origin.Object, error) {
	obj, err := p.Source.Fetch(ctx, req)
	if err != nil {
		p.onMiss()
	}
	return obj, err
}

// TestWaiterTakesTheFileFromAMasterStillCommittingIt: a node waiting for
// a file's fill master copies the file from the master once the master
// holds all of it, not as soon as it holds the first slice. The master
// here has committed the first slice of a two-slice file and holds the
// second back until the waiter has asked it for something it lacks: a
// waiter that took the first slice as the whole file then misses the
// second and goes to the origin for the file a second time.
func TestWaiterTakesTheFileFromAMasterStillCommittingIt(t *testing.T) {
	o := newOrigin(t)
	pub, priv := keys(t)
	const size = 300_000 // two 256 KiB slices
	e := o.add("/held/a.m4s", size)
	nodes := []*node{newNode(t, "n1", httpOrigin(t, o.URL)), newNode(t, "n2", httpOrigin(t, o.URL))}
	site := siteOf(nodes...)
	master, waiter := nodes[0], nodes[1]
	if placement.New(site()).Owners(e.Key, 1)[0] != master.name {
		master, waiter = waiter, master
	}
	e.Nodes, e.Copies = []string{"n1", "n2"}, 2
	raw := sign(t, &manifest.Manifest{Version: 1, Site: "ams", Entries: []manifest.Entry{e}}, priv)

	store := &heldStore{Store: edge.FillStore(master.store), held: make(chan struct{}), release: make(chan struct{})}
	var releaseOnce sync.Once
	release := func() { releaseOnce.Do(func() { close(store.release) }) }
	// Each node's only peer is the other one; the waiter's asks of the
	// master release the second slice once the master holds the first.
	toMaster := missHook{peerSource{httpOrigin(t, master.peer)}, func() {
		select {
		case <-store.held:
			release()
		default:
		}
	}}
	toWaiter := peerSource{httpOrigin(t, waiter.peer)}
	agents := map[*node]*fill.Agent{}
	for _, tc := range []struct {
		n     *node
		store fill.Store
		peer  fill.Source
	}{{master, store, toWaiter}, {waiter, edge.FillStore(waiter.store), toMaster}} {
		peer := func(string) (fill.Source, bool) { return tc.peer, true }
		a, err := fill.New(testAgentConfig(tc.n, pub, t), fill.Deps{Store: tc.store, Origin: httpOrigin(t, o.URL), Peer: peer, SiteNodes: site})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := a.Offer(raw); err != nil {
			t.Fatal(err)
		}
		agents[tc.n] = a
		t.Cleanup(runAgent(a))
	}
	t.Cleanup(release) // runs before the agents stop: no master is left waiting
	for n, a := range agents {
		testenv.Eventually(t, 30*time.Second, n.name+" to apply", func() bool { return a.Status().State == fill.StateDone })
	}
	if got := o.Sent(e.Key); got != size {
		t.Errorf("the file crossed the origin link with %d bytes, want exactly its %d", got, size)
	}
	if st := agents[waiter].Status(); st.BySource["origin"] != 0 || st.BySource["master"] != size {
		t.Errorf("the waiter's bytes by source: %v, want all %d from the master", st.BySource, size)
	}
	if !bytes.Equal(readFile(t, waiter, e.Key, size, 256<<10), content(e.Key, size)) {
		t.Fatalf("%s: the file differs", waiter.name)
	}
}
