package manifest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"time"
)

// catalogue returns a manifest of titles × 2 renditions × segs files,
// every file on n1, the first segment of each rendition on n2 too.
func catalogue(version int64, titles, segs int, edit func(*Entry)) *Manifest {
	m := &Manifest{Version: version, Site: "ams", Created: time.Unix(version, 0)}
	for ti := range titles {
		for r := range 2 {
			for s := range segs {
				e := Entry{Key: fmt.Sprintf("/titles/t%03d/r%d/seg-%05d.m4s", ti, r, s), Size: int64(1000 + s),
					SHA256: strings.Repeat(fmt.Sprintf("%x", (ti+r+s)%16), 64), Priority: ti + 1, Copies: 1, Nodes: []string{"n1"}}
				if s == 0 {
					e.Copies, e.Nodes = 2, []string{"n1", "n2"}
				}
				if edit != nil {
					edit(&e)
				}
				m.Entries = append(m.Entries, e)
			}
		}
	}
	return m
}

// version builds m as the controller does; it returns the version and
// its indexes.
func version(t *testing.T, m *Manifest) (*Version, map[string][]byte) {
	t.Helper()
	groups, idx, err := Groups(m)
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVersion(m.Site, m.Version, m.Created, groups)
	if err != nil {
		t.Fatal(err)
	}
	return v, idx
}

type node struct {
	pub   ed25519.PublicKey
	dir   string
	cache *IndexCache
	held  *Saved
}

func newNode(t *testing.T, pub ed25519.PublicKey, indexes map[string][]byte) *node {
	dir := t.TempDir()
	return &node{pub: pub, dir: dir, cache: &IndexCache{Dir: filepath.Join(dir, "indexes"), Fetch: func(_ context.Context, h string) (io.ReadCloser, error) {
		b, ok := indexes[h]
		if !ok {
			return nil, errors.New("404")
		}
		return io.NopCloser(bytes.NewReader(GzipIndex(b))), nil
	}}}
}

func (n *node) receive(doc []byte) (*Saved, error) {
	s, err := Receive(iotest.OneByteReader(bytes.NewReader(doc)), ReceiveOptions{PublicKey: n.pub, Base: n.held, Dir: n.dir, Indexes: n.cache,
		Check: func(h *Header) error {
			if n.held != nil && h.Version <= n.held.Header.Version {
				return ErrStale
			}
			return nil
		}})
	if err == nil {
		n.held = s
	}
	return s, err
}

// files reads back every file of a saved manifest for node.
func (n *node) files(t *testing.T, s *Saved, node string) map[string]Entry {
	t.Helper()
	out := map[string]Entry{}
	err := s.Each(func(g *Group, _ int64, _ int) error {
		files, err := n.cache.Get(context.Background(), g.Index)
		if err != nil {
			return err
		}
		es, err := g.Expand(files, node)
		for _, e := range es {
			out[e.Key] = e
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestFullThenDelta(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	v1, idx1 := version(t, catalogue(1, 20, 5, nil))
	m2 := catalogue(2, 21, 5, func(e *Entry) { // t020 added, t003 gone, t005 re-encoded, t007's r1 moved to n2
		switch {
		case strings.HasPrefix(e.Key, "/titles/t005/"):
			e.SHA256 = strings.Repeat("f", 64)
		case strings.HasPrefix(e.Key, "/titles/t007/r1/"):
			e.Nodes = []string{"n2"}
			e.Copies = 1
		}
	})
	m2.Entries = filterOut(m2.Entries, "/titles/t003/")
	v2, idx2 := version(t, m2)
	all := map[string][]byte{}
	for k, v := range idx1 {
		all[k] = v
	}
	for k, v := range idx2 {
		all[k] = v
	}
	n := newNode(t, pub, all)
	full, _ := v1.Full(priv, nil)
	if _, err := n.receive(full); err != nil {
		t.Fatal(err)
	}
	delta, err := v2.Delta(v1, priv)
	if err != nil {
		t.Fatal(err)
	}
	full2, _ := v2.Full(priv, nil)
	if len(delta) >= len(full2)/2 {
		t.Errorf("delta of %d bytes against a full manifest of %d", len(delta), len(full2))
	}
	s, err := n.receive(delta)
	if err != nil {
		t.Fatal(err)
	}
	if s.Header.Version != 2 || s.Header.Result != v2.Result {
		t.Fatalf("saved %+v", s.Header)
	}
	got := n.files(t, s, "")
	if len(got) != len(m2.Entries) {
		t.Fatalf("%d files after the delta, want %d", len(got), len(m2.Entries))
	}
	for _, e := range m2.Entries {
		g := got[e.Key]
		if g.SHA256 != e.SHA256[:SumDigits] || g.Size != e.Size || strings.Join(g.Nodes, ",") != strings.Join(e.Nodes, ",") {
			t.Fatalf("%s: %+v, want %+v", e.Key, g, e)
		}
	}
	if mine := n.files(t, s, "n2"); len(mine) != 2*20+4 { // first segments of 20 titles, and the rest of t007/r1
		t.Errorf("n2 holds %d files", len(mine))
	}
	// A restarted node re-verifies what it saved.
	if _, err := Load(s.Path, pub); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(s.Path)
	os.WriteFile(s.Path, bytes.Replace(raw, []byte(`"priority":1,`), []byte(`"priority":2,`), 1), 0o644)
	if _, err := Load(s.Path, pub); !errors.Is(err, ErrMalformed) {
		t.Fatalf("a damaged saved manifest loaded: %v", err)
	}
	// Replay: the node already holds version 2.
	if _, err := n.receive(full2); !errors.Is(err, ErrStale) {
		t.Fatalf("replay: %v", err)
	}
}

func filterOut(es []Entry, prefix string) []Entry {
	var out []Entry
	for _, e := range es {
		if !strings.HasPrefix(e.Key, prefix) {
			out = append(out, e)
		}
	}
	return out
}

func TestDeltaOnTheWrongBaseIsRefused(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	v1, idx := version(t, catalogue(1, 4, 3, nil))
	v2, _ := version(t, catalogue(2, 5, 3, nil))
	v3, _ := version(t, catalogue(3, 6, 3, nil))
	delta23, _ := v3.Delta(v2, priv)

	// A node holding nothing, or version 1, refuses the delta from 2.
	n := newNode(t, pub, idx)
	if _, err := n.receive(delta23); !errors.Is(err, ErrBase) || !strings.Contains(err.Error(), "delta against version 2, this node holds 0") {
		t.Fatalf("no base: %v", err)
	}
	full1, _ := v1.Full(priv, nil)
	n.receive(full1)
	if _, err := n.receive(delta23); !errors.Is(err, ErrBase) || !strings.Contains(err.Error(), "this node holds 1") {
		t.Fatalf("base 1: %v", err)
	}
	// A base numbered 2 with other content: the merge misses the signed
	// result.
	other := catalogue(2, 5, 3, func(e *Entry) { e.Size++ })
	vo, _ := version(t, other)
	fullOther, _ := vo.Full(priv, nil)
	n2 := newNode(t, pub, idx)
	if _, err := n2.receive(fullOther); err != nil {
		t.Fatal(err)
	}
	if _, err := n2.receive(delta23); !errors.Is(err, ErrBase) {
		t.Fatalf("other base: %v", err)
	}
	if ents, _ := filepath.Glob(filepath.Join(n2.dir, "manifest-3*")); len(ents) != 0 {
		t.Fatalf("a refused delta left %v", ents)
	}
}

func TestIndexCache(t *testing.T) {
	idx := EncodeIndex([]File{{Name: "a.m4s", Size: 3, SHA256: strings.Repeat("a", 64)}})
	hash := HashIndex(idx)
	lie := false
	fetches := 0
	c := &IndexCache{Dir: t.TempDir(), Fetch: func(context.Context, string) (io.ReadCloser, error) {
		fetches++
		if lie {
			return io.NopCloser(strings.NewReader(strings.Replace(string(idx), " 3 ", " 4 ", 1))), nil
		}
		return io.NopCloser(bytes.NewReader(GzipIndex(idx))), nil
	}}
	ctx := context.Background()
	lie = true
	if _, err := c.Get(ctx, hash); !errors.Is(err, ErrIndex) {
		t.Fatalf("an index that does not match its hash: %v", err)
	}
	lie = false
	if files, err := c.Get(ctx, hash); err != nil || len(files) != 1 || files[0].Size != 3 {
		t.Fatalf("%v %v", files, err)
	}
	c.Get(ctx, hash)
	if fetches != 2 {
		t.Fatalf("%d fetches: a held index was fetched again", fetches)
	}
	os.WriteFile(filepath.Join(c.Dir, hash[:2], hash+".gz"), []byte("garbage"), 0o644)
	if _, err := c.Get(ctx, hash); err != nil || fetches != 3 {
		t.Fatalf("a damaged held index is fetched again: %v, %d fetches", err, fetches)
	}
	if err := c.Put(strings.Repeat("0", 64), idx); !errors.Is(err, ErrIndex) {
		t.Fatalf("put under another name: %v", err)
	}
	if n, _ := c.Keep(func(string) bool { return false }); n != 1 {
		t.Fatalf("Keep removed %d", n)
	}
}

// A group whose index does not match it (count, bytes) is refused.
func TestIndexMustMatchItsGroup(t *testing.T) {
	g := &Group{Prefix: "/t/", Index: strings.Repeat("a", 64), Files: 2, Bytes: 10, Nodes: []Holding{{"n1", "0-1"}}}
	files := []File{{"a", 5, strings.Repeat("a", 64)}, {"b", 5, strings.Repeat("b", 64)}}
	if _, err := g.Expand(files[:1], ""); !errors.Is(err, ErrIndex) {
		t.Fatal(err)
	}
	files[1].Size = 6
	if _, err := g.Expand(files, ""); !errors.Is(err, ErrIndex) {
		t.Fatal(err)
	}
}

// A truncated document is refused and leaves nothing behind.
func TestTruncatedDocument(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	v, idx := version(t, catalogue(1, 30, 4, nil))
	doc, _ := v.Full(priv, nil)
	plain := alter(t, doc, "}\n", "}\n")
	n := newNode(t, pub, idx)
	for _, cut := range []int{len(plain) / 2, len(plain) - 1} {
		if _, err := n.receive(plain[:cut]); !errors.Is(err, ErrMalformed) {
			t.Fatalf("cut at %d: %v", cut, err)
		}
	}
	if ents, _ := filepath.Glob(filepath.Join(n.dir, "manifest-*")); len(ents) != 0 {
		t.Fatalf("left %v", ents)
	}
}

func TestRanges(t *testing.T) {
	for _, c := range []struct {
		pos  []int
		want string
	}{{[]int{0}, "0"}, {[]int{0, 1, 2, 5, 7, 8}, "0-2,5,7-8"}} {
		s := FormatRanges(c.pos)
		if s != c.want {
			t.Errorf("%v: %q", c.pos, s)
		}
		sp, err := ParseRanges(s, 9)
		if err != nil || sp.Count() != len(c.pos) {
			t.Errorf("%q: %v %v", s, sp, err)
		}
	}
	for _, bad := range []string{"", "1,0", "0-0", "0,1", "01", "0-9", "a", "-1", "3-2", "0,,2"} {
		if _, err := ParseRanges(bad, 9); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}
