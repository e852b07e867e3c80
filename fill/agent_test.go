package fill_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/vodedge/vodedge/cache/edge"
	"github.com/vodedge/vodedge/fill"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/internal/manifest"
	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/origin"
)

// readFile reads a filled file back from a node's disk tier, slice by
// slice, through verified reads.
func readFile(t *testing.T, n *node, key string, size int64, slice int64) []byte {
	var out []byte
	for idx := range max((size+slice-1)/slice, 1) {
		r, ok := n.store.Lookup(cachekey.SliceKey(key, idx), false)
		if !ok {
			t.Fatalf("%s: slice %d of %s missing", n.name, idx, key)
		}
		if !r.Pinned {
			t.Fatalf("%s: slice %d of %s not pinned", n.name, idx, key)
		}
		c, err := n.store.NewChunkReader(r)
		if err != nil {
			t.Fatal(err)
		}
		b, err := c.ReadAll()
		c.Close()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, b...)
	}
	return out
}

func sign(t *testing.T, m *manifest.Manifest, priv []byte) []byte {
	raw, err := manifest.Sign(m, priv)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// alterDoc returns a signed document's plain text with from replaced.
func alterDoc(t *testing.T, doc []byte, from, to string) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Contains(plain, []byte(from)) {
		t.Fatalf("%q is not in the document", from)
	}
	return bytes.Replace(plain, []byte(from), []byte(to), 1)
}

func TestFillsVerifiesAndPins(t *testing.T) {
	o := newOrigin(t)
	n := newNode(t, "n1", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	m := &manifest.Manifest{Version: 1, Site: "ams"}
	for i, size := range []int64{0, 1000, 256 << 10, 700_000} {
		e := o.add(fmt.Sprintf("/titles/t/%d.m4s", i), size)
		e.Nodes, e.Priority = []string{"n1"}, i+1
		m.Entries = append(m.Entries, e)
	}
	reg := prometheus.NewRegistry()
	a, err := fill.New(testAgentConfig(n, pub, t), fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, o.URL), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	stop := runAgent(a)
	defer stop()
	if _, err := a.Offer(sign(t, m, priv)); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "the manifest to be applied", func() bool { return a.Status().State == fill.StateDone })
	for _, e := range m.Entries {
		if got := readFile(t, n, e.Key, e.Size, 256<<10); !bytes.Equal(got, content(e.Key, e.Size)) {
			t.Fatalf("%s: stored bytes differ", e.Key)
		}
	}
	st := a.Status()
	if st.FilesDone != 4 || st.BytesDone != 1000+256<<10+700_000 || st.BySource["origin"] == 0 {
		t.Fatalf("status %+v", st)
	}
	if testenv.Metric(t, reg, "vodedge_fill_files_total", "source", "origin") != 4 {
		t.Fatal("files metric")
	}
}

func TestForgedAlteredAndStaleManifestsAreRejected(t *testing.T) {
	o := newOrigin(t)
	n := newNode(t, "n1", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	_, otherPriv := keys(t)
	reg := prometheus.NewRegistry()
	a, err := fill.New(testAgentConfig(n, pub, t), fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, o.URL), Registerer: reg})
	if err != nil {
		t.Fatal(err)
	}
	e := o.add("/a.m4s", 10)
	e.Nodes = []string{"n1"}
	good := &manifest.Manifest{Version: 5, Site: "ams", Entries: []manifest.Entry{e}}
	if _, err := a.Offer(sign(t, good, otherPriv)); !errors.Is(err, manifest.ErrSignature) {
		t.Fatalf("forged: %v", err)
	}
	altered := alterDoc(t, sign(t, good, priv), `"bytes":10`, `"bytes":11`)
	if _, err := a.Offer(altered); !errors.Is(err, manifest.ErrSignature) {
		t.Fatalf("altered: %v", err)
	}
	other := *good
	other.Site = "fra"
	if _, err := a.Offer(sign(t, &other, priv)); !errors.Is(err, manifest.ErrSite) {
		t.Fatalf("other site: %v", err)
	}
	if _, err := a.Offer(sign(t, good, priv)); err != nil {
		t.Fatal(err)
	}
	old := *good
	old.Version = 4
	if _, err := a.Offer(sign(t, &old, priv)); !errors.Is(err, manifest.ErrStale) {
		t.Fatalf("stale: %v", err)
	}
	if got := testenv.Metric(t, reg, "vodedge_fill_manifests_total", "result", "rejected"); got != 4 {
		t.Fatalf("rejected count %v", got)
	}
}

// liar serves wrong bytes for every file.
type liar struct{ inner *origin.HTTP }

func (l liar) Fetch(ctx context.Context, req origin.Request) (*origin.Object, error) {
	obj, err := l.inner.Fetch(ctx, req)
	if err != nil {
		return nil, err
	}
	b, _ := io.ReadAll(obj.Body)
	obj.Body.Close()
	if len(b) > 0 {
		b[0] ^= 0xff
	}
	obj.Body = io.NopCloser(bytes.NewReader(b))
	return obj, nil
}

func TestChecksumMismatchIsDiscardedAndRetriedElsewhere(t *testing.T) {
	o := newOrigin(t)
	n1 := newNode(t, "n1", httpOrigin(t, o.URL))
	n2 := newNode(t, "n2", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	e := o.add("/x.m4s", 300_000)
	e.Copies, e.Nodes = 2, []string{"n1", "n2"}
	m := &manifest.Manifest{Version: 1, Site: "ams", Entries: []manifest.Entry{e}}
	cfg := testAgentConfig(n1, pub, t)
	// n1 is its own fill master (the only usable node it knows), so its
	// sources are the other assigned node, n2, which lies, then the origin.
	reg := prometheus.NewRegistry()
	a, _ := fill.New(cfg, fill.Deps{Store: edge.FillStore(n1.store), Origin: httpOrigin(t, o.URL), SiteNodes: siteOf(n1), Registerer: reg,
		Peer: func(string) (fill.Source, bool) { return liar{httpOrigin(t, o.URL)}, true }})
	stop := runAgent(a)
	defer stop()
	a.Offer(sign(t, m, priv))
	testenv.Eventually(t, 20*time.Second, "apply", func() bool { return a.Status().State == fill.StateDone })
	if got := readFile(t, n1, e.Key, e.Size, 256<<10); !bytes.Equal(got, content(e.Key, e.Size)) {
		t.Fatal("bad bytes stored")
	}
	if got := testenv.Metric(t, reg, "vodedge_fill_checksum_failures_total"); got != 1 {
		t.Fatalf("checksum failures %v, want 1 (the lying peer)", got)
	}
	if st := a.Status(); st.BySource["peer"] == 0 || st.BySource["origin"] != 300_000 {
		t.Fatalf("sources %v", st.BySource)
	}
	_ = n2
	if a.Status().FilesDone != 1 {
		t.Fatal("not done")
	}
}

// countingSource counts bytes read from its bodies.
type countingSource struct {
	inner fill.Source
	n     *atomic.Int64
}

func (c countingSource) Fetch(ctx context.Context, req origin.Request) (*origin.Object, error) {
	obj, err := c.inner.Fetch(ctx, req)
	if err == nil {
		obj.Body = countBody{obj.Body, c.n}
	}
	return obj, err
}

type countBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (b countBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	b.n.Add(int64(n))
	return n, err
}

func TestWindowWithInjectedClock(t *testing.T) {
	o := newOrigin(t)
	n := newNode(t, "n1", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	e := o.add("/w.m4s", 50_000)
	e.Nodes = []string{"n1"}
	clock := testenv.NewClock(time.Date(2026, 11, 26, 1, 0, 0, 0, time.UTC)) // 01:00, window opens at 02:00
	cfg := testAgentConfig(n, pub, t)
	cfg.Window, _ = fill.ParseWindow("02:00-14:00", time.UTC)
	var fetched atomic.Int64
	a, _ := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: countingSource{httpOrigin(t, o.URL), &fetched}, Now: clock.Now})
	stop := runAgent(a)
	defer stop()
	a.Offer(sign(t, &manifest.Manifest{Version: 1, Site: "ams", Entries: []manifest.Entry{e}}, priv))
	testenv.Eventually(t, 5*time.Second, "the agent to wait for the window", func() bool { return a.Status().State == fill.StateWaiting })
	lookedAgain(t, a, clock)
	lookedAgain(t, a, clock)
	if fetched.Load() != 0 || o.Sent("") != 0 || o.Requests("") != 0 || a.Status().State != fill.StateWaiting {
		t.Fatalf("fill traffic outside the window (%d bytes fetched, state %s)", o.Sent(""), a.Status().State)
	}
	clock.Advance(time.Hour) // 02:00
	a.Poke()
	testenv.Eventually(t, 10*time.Second, "fill at the window's opening", func() bool { return a.Status().State == fill.StateDone })
	if fetched.Load() != 50_000 {
		t.Fatalf("fetched %d bytes", fetched.Load())
	}
}

func TestFillNowIgnoresTheWindow(t *testing.T) {
	o := newOrigin(t)
	n := newNode(t, "n1", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	e := o.add("/now.m4s", 5000)
	e.Nodes = []string{"n1"}
	cfg := testAgentConfig(n, pub, t)
	cfg.Window, _ = fill.ParseWindow("02:00-14:00", time.UTC)
	a, _ := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: httpOrigin(t, o.URL), Now: func() time.Time {
		return time.Date(2026, 11, 26, 20, 0, 0, 0, time.UTC)
	}})
	stop := runAgent(a)
	defer stop()
	a.Offer(sign(t, &manifest.Manifest{Version: 1, Site: "ams", Entries: []manifest.Entry{e}}, priv))
	testenv.Eventually(t, 5*time.Second, "waiting", func() bool { return a.Status().State == fill.StateWaiting })
	a.FillNow()
	testenv.Eventually(t, 10*time.Second, "forced fill", func() bool { return a.Status().State == fill.StateDone })
}

// The rate cap holds over a fixed period within ±15 %; the figure is
// printed.
func TestRateCap(t *testing.T) {
	o := newOrigin(t)
	n := newNode(t, "n1", httpOrigin(t, o.URL))
	pub, priv := keys(t)
	m := &manifest.Manifest{Version: 1, Site: "ams"}
	for i := range 8 {
		e := o.add(fmt.Sprintf("/r/%d.m4s", i), 1<<20)
		e.Nodes = []string{"n1"}
		m.Entries = append(m.Entries, e)
	}
	cfg := testAgentConfig(n, pub, t)
	const capBps = 2 << 20 // 2 MiB/s
	cfg.RateBytes = capBps
	var fetched atomic.Int64
	a, _ := fill.New(cfg, fill.Deps{Store: edge.FillStore(n.store), Origin: countingSource{httpOrigin(t, o.URL), &fetched}})
	stop := runAgent(a)
	defer stop()
	a.Offer(sign(t, m, priv))
	testenv.Eventually(t, 5*time.Second, "fill to start", func() bool { return fetched.Load() > 0 })
	start, b0 := time.Now(), fetched.Load()
	time.Sleep(2 * time.Second)
	rate := float64(fetched.Load()-b0) / time.Since(start).Seconds()
	t.Logf("measured fill rate %.2f MiB/s against a cap of %.2f MiB/s (%.0f%%)", rate/(1<<20), float64(capBps)/(1<<20), 100*rate/capBps)
	// Only the cap is checked: a loaded machine can make the fill slower
	// than the cap, never faster (the limiter's burst is ~50 ms of it).
	if rate > 1.15*capBps {
		t.Fatalf("rate %.0f B/s above the cap of %d by more than 15%%", rate, capBps)
	}
	if rate == 0 {
		t.Fatal("no fill traffic in the 2 s measured")
	}
}
