package tiergrant

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestParseDirectory(t *testing.T) {
	pub, priv := testKey(t)
	tok, _ := Sign(Grant{Site: "c", Parents: []string{"p", "q"}, Expires: t0}, priv)
	otherTok, _ := Sign(Grant{Site: "d", Parents: []string{"p"}, Expires: t0}, priv)
	good := Directory{Site: "c", Grant: tok, Parents: []Parent{{Site: "p", Nodes: []Node{{Name: "p1", Weight: 1, PeerAddr: "127.0.0.1:9001"}}}, {Site: "q"}}}
	enc := func(d Directory) string { b, _ := json.Marshal(d); return string(b) }
	d, err := ParseDirectory(strings.NewReader(enc(good)), pub, "c")
	if err != nil || len(d.Parents) != 2 || d.Parents[0].Nodes[0].PeerAddr != "127.0.0.1:9001" {
		t.Fatalf("ParseDirectory: %+v, %v", d, err)
	}
	mutate := func(f func(*Directory)) string {
		d := good
		d.Parents = append([]Parent{{Site: "p", Nodes: append([]Node(nil), good.Parents[0].Nodes...)}}, good.Parents[1:]...)
		f(&d)
		return enc(d)
	}
	for _, tc := range []struct{ name, body, site string }{
		{"another site's grant", mutate(func(d *Directory) { d.Grant = otherTok }), "c"},
		{"for another site", enc(good), "d"},
		{"a parent the grant does not name", mutate(func(d *Directory) { d.Parents[0].Site = "x" }), "c"},
		{"no peer port", mutate(func(d *Directory) { d.Parents[0].Nodes[0].PeerAddr = "127.0.0.1" }), "c"},
		{"negative weight", mutate(func(d *Directory) { d.Parents[0].Nodes[0].Weight = -1 }), "c"},
		{"node twice", mutate(func(d *Directory) { d.Parents[0].Nodes = append(d.Parents[0].Nodes, d.Parents[0].Nodes[0]) }), "c"},
		{"unknown field", strings.Replace(enc(good), `"site":"c"`, `"site":"c","x":1`, 1), "c"},
		{"trailing data", enc(good) + "{}", "c"},
		{"not json", "nope", "c"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := ParseDirectory(strings.NewReader(tc.body), pub, tc.site); !errors.Is(err, ErrMalformed) {
				t.Fatalf("ParseDirectory = %v, want ErrMalformed", err)
			}
		})
	}
}

func FuzzParseDirectory(f *testing.F) {
	pub, priv := testKey(f)
	tok, _ := Sign(Grant{Site: "c", Parents: []string{"p"}, Expires: t0}, priv)
	f.Add([]byte(`{"site":"c","grant":"` + tok + `","parents":[{"site":"p","nodes":[{"name":"p1","weight":1,"peer_addr":"127.0.0.1:1"}]}]}`))
	f.Add([]byte(`{"site":"c","grant":"x.y","parents":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseDirectory(strings.NewReader(string(b)), pub, "c")
		if err != nil {
			return
		}
		g, err := Open(d.Grant, pub)
		if err != nil || g.Site != "c" {
			t.Fatalf("accepted a directory whose grant does not open: %v", err)
		}
	})
}

func FuzzCheck(f *testing.F) {
	pub, priv := testKey(f)
	tok, _ := Sign(Grant{Site: "c", Parents: []string{"p"}, Expires: t0}, priv)
	f.Add("Grant " + tok)
	f.Add("Grant a.b")
	f.Fuzz(func(t *testing.T, h string) {
		if err := Check(h, pub, "p", t0.Add(-1)); err == nil && h != "Grant "+tok {
			// Only the signed token (or an equivalent encoding of it) opens.
			g, _ := Open(strings.TrimPrefix(h, "Grant "), pub)
			if g == nil || g.Site != "c" {
				t.Fatalf("accepted %q", h)
			}
		}
	})
}
