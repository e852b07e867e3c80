package manifest

import (
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sample() *Manifest {
	return &Manifest{Version: 7, Site: "ams", Created: time.Unix(1700000000, 0).UTC(), Entries: []Entry{
		{Key: "/titles/t1/master.m3u8", Size: 300, SHA256: strings.Repeat("a", 64), Priority: 2, Copies: 1, Nodes: []string{"n1"}},
		{Key: "/titles/t1/v/seg-00001.m4s", Size: 2 << 20, SHA256: strings.Repeat("b", 64), Priority: 1, Copies: 2, Nodes: []string{"n1", "n2"}},
	}}
}

func TestSignOpenRoundTrip(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	data, err := Sign(sample(), priv)
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(data, pub)
	if err != nil {
		t.Fatal(err)
	}
	if m.Version != 7 || len(m.Entries) != 2 {
		t.Fatalf("%+v", m)
	}
	mine := m.For("n1")
	if len(mine) != 2 || mine[0].Priority != 1 {
		t.Fatalf("For(n1) = %+v", mine)
	}
	if len(m.For("n2")) != 1 || len(m.For("n3")) != 0 {
		t.Fatal("For")
	}
}

// alter rewrites a document's plain text.
func alter(t *testing.T, doc []byte, from, to string) []byte {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := io.ReadAll(zr)
	if !bytes.Contains(plain, []byte(from)) {
		t.Fatalf("%q not in the document", from)
	}
	return bytes.Replace(plain, []byte(from), []byte(to), 1)
}

func TestForgedAndAlteredManifestsAreRejected(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	_, otherPriv, _ := ed25519.GenerateKey(rand.Reader)
	good, _ := Sign(sample(), priv)
	forged, _ := Sign(sample(), otherPriv)
	for name, tc := range map[string]struct {
		data []byte
		want error
	}{
		"forged":          {forged, ErrSignature},
		"altered header":  {alter(t, good, `"site":"ams"`, `"site":"fra"`), ErrSignature},
		"altered group":   {alter(t, good, `"priority":1`, `"priority":9`), ErrSignature},
		"altered index":   {alter(t, good, `"data":"`, `"data":"A`), ErrMalformed},
		"not json":        {[]byte("{\n"), ErrMalformed},
		"no signature":    {[]byte(`{"header":{}}` + "\n"), ErrSignature},
		"short signature": {[]byte(`{"header":{},"signature":"AAAA"}` + "\n"), ErrSignature},
		"empty":           {nil, ErrMalformed},
	} {
		_, err := Open(tc.data, pub)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err %v, want %v", name, err, tc.want)
		}
	}
}

func TestValidate(t *testing.T) {
	for name, mut := range map[string]func(*Manifest){
		"zero version":    func(m *Manifest) { m.Version = 0 },
		"no site":         func(m *Manifest) { m.Site = "" },
		"relative key":    func(m *Manifest) { m.Entries[0].Key = "titles/x" },
		"traversal":       func(m *Manifest) { m.Entries[0].Key = "/a/../etc/passwd" },
		"bad sha":         func(m *Manifest) { m.Entries[0].SHA256 = "xyz" },
		"copies mismatch": func(m *Manifest) { m.Entries[1].Copies = 3 },
		"duplicate":       func(m *Manifest) { m.Entries[1].Key = m.Entries[0].Key },
		"negative size":   func(m *Manifest) { m.Entries[0].Size = -1 },
	} {
		m := sample()
		mut(m)
		if err := m.Validate(); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestKeys(t *testing.T) {
	priv, pub, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "k")
	os.WriteFile(p, []byte(priv+"\n"), 0o600)
	sk, err := LoadPrivateKey(p)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := ParsePublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	data, _ := Sign(sample(), sk)
	if _, err := Open(data, pk); err != nil {
		t.Fatal(err)
	}
	if _, err := ParsePublicKey("short"); err == nil {
		t.Fatal("bad public key accepted")
	}
}

func FuzzOpen(f *testing.F) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	good, _ := Sign(sample(), priv)
	f.Add(good)
	f.Add([]byte(`{"header":{"version":1},"signature":""}` + "\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := Open(data, pub)
		if err == nil && m.Validate() != nil {
			t.Fatal("invalid manifest opened")
		}
	})
}
