package manifest

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"strings"
	"testing"
)

// FuzzParseIndex: an index that parses re-encodes to the same bytes.
func FuzzParseIndex(f *testing.F) {
	f.Add(EncodeIndex([]File{{"a.m4s", 3, strings.Repeat("a", 64)}, {"b", 0, strings.Repeat("0", 64)}}))
	f.Add([]byte(strings.Repeat("a", 64) + " 01 x\n"))
	f.Add([]byte(strings.Repeat("a", 64) + " 1 ../x\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		files, err := ParseIndex(b)
		if err != nil {
			return
		}
		if !bytes.Equal(EncodeIndex(files), b) {
			t.Fatalf("%q does not re-encode", b)
		}
	})
}

// FuzzParseRanges: ranges that parse re-format to the same text and stay
// within the index.
func FuzzParseRanges(f *testing.F) {
	for _, s := range []string{"0", "0-2,5,7-8", "1,0", "0-0", "01", "0,,2", "999999999"} {
		f.Add(s, 10)
	}
	f.Fuzz(func(t *testing.T, s string, n int) {
		n = max(min(n, 1<<16), 0)
		sp, err := ParseRanges(s, n)
		if err != nil {
			return
		}
		var pos []int
		for i, in := range sp.Set(n) {
			if in {
				pos = append(pos, i)
			}
		}
		if FormatRanges(pos) != s {
			t.Fatalf("%q re-formats as %q", s, FormatRanges(pos))
		}
	})
}

// FuzzParseGroup: a group that parses expands without error against an
// index of its size, to valid entries.
func FuzzParseGroup(f *testing.F) {
	f.Add([]byte(`{"prefix":"/t/r/","index":"`+strings.Repeat("a", 64)+`","files":2,"bytes":3,"priority":1,"nodes":[{"node":"n1","files":"0-1"}]}`), false)
	f.Add([]byte(`{"prefix":"/t/r/","removed":true}`), true)
	f.Add([]byte(`{"prefix":"/t/../","removed":true}`), true)
	f.Fuzz(func(t *testing.T, line []byte, delta bool) {
		g, err := ParseGroup(line, delta)
		if err != nil || g.Removed || g.Files > 1000 {
			return
		}
		files := make([]File, g.Files)
		for i := range files {
			files[i] = File{Name: "f" + strings.Repeat("x", i), SHA256: strings.Repeat("a", 64)}
		}
		files[0].Size = g.Bytes
		es, err := g.Expand(files, "")
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		for _, e := range es {
			if e.validate() != nil {
				t.Fatalf("invalid entry %+v", e)
			}
		}
	})
}

// FuzzReceive: whatever a document holds, Receive either refuses it or
// saves a manifest that loads again.
func FuzzReceive(f *testing.F) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	good, _ := Sign(sample(), priv)
	f.Add(good)
	f.Add([]byte(strings.Repeat("{}\n", 3)))
	f.Fuzz(func(t *testing.T, doc []byte) {
		dir := t.TempDir()
		s, err := Receive(bytes.NewReader(doc), ReceiveOptions{PublicKey: pub, Dir: dir, Indexes: &IndexCache{Dir: dir + "/ix"}})
		if err != nil {
			return
		}
		if _, err := Load(s.Path, pub); err != nil {
			t.Fatalf("saved but does not load: %v", err)
		}
		s.Each(func(g *Group, _ int64, _ int) error {
			files, err := (&IndexCache{Dir: dir + "/ix"}).Get(context.Background(), g.Index)
			if err == nil {
				g.Expand(files, "")
			}
			return nil
		})
	})
}
