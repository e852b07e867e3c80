package urlsign

import (
	"bytes"
	"net/netip"
	"testing"
	"time"
)

// FuzzVerify: any target and client is answered without a panic; an
// accepted target is one the signer made (random input never forges a
// signature), and a rejected one returns no rest.
func FuzzVerify(f *testing.F) {
	s := newSigner(f, key1, SignerConfig{ClientBitsV4: 24, ClientBitsV6: 48})
	q := newSigner(f, key1, SignerConfig{Carrier: InQuery, Scope: ScopeFile})
	for _, p := range []string{"/titles/t1/master.m3u8", "/a", "/x/y/z.m4s"} {
		f.Add(s.AppendURL(nil, p, client), []byte(client.AsSlice()))
		f.Add(q.AppendURL(nil, p, client), []byte(client.AsSlice()))
	}
	f.Add([]byte("/_vt/k1.1.0.0.x/a/../b?vt=1&vt=2"), []byte{})
	f.Add([]byte("http://h/_vt/k1.99999999999.24.3.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/a/%2e%2e"), []byte{1, 2, 3, 4})
	v := newVerifier(f, t0, key1, key2)
	f.Fuzz(func(t *testing.T, target, ip []byte) {
		addr, _ := netip.AddrFromSlice(ip)
		rest, err := v.Verify(target, addr)
		if err != nil {
			if rest != nil {
				t.Fatalf("rest %q with error %v", rest, err)
			}
			return
		}
		if !bytes.HasSuffix(target, rest) {
			t.Fatalf("rest %q is not the end of the target %q", rest, target)
		}
	})
}

// FuzzRoundTrip: whatever valid path, lifetime and client are signed, the
// URL verifies for that client, and flipping any byte of the signed path
// or of the token makes it fail.
func FuzzRoundTrip(f *testing.F) {
	f.Add("/titles/t1/master.m3u8", uint16(60), []byte{192, 0, 2, 1}, uint16(7), uint8(1), false)
	f.Add("/a", uint16(1), []byte{32, 1, 13, 184, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, uint16(0), uint8(0x20), true)
	v := newVerifier(f, t0, key1)
	f.Fuzz(func(t *testing.T, path string, ttl uint16, ip []byte, at uint16, flip uint8, query bool) {
		addr, ok := netip.AddrFromSlice(ip)
		if !ValidPath(path) || !ok || ttl == 0 || flip == 0 {
			return
		}
		cfg := SignerConfig{TTL: time.Duration(ttl) * time.Second, ClientBitsV4: 24, ClientBitsV6: 56, Scope: ScopeFile}
		if query {
			cfg.Carrier = InQuery
		}
		u := newSigner(t, key1, cfg).AppendURL(nil, path, addr)
		rest, err := v.Verify(u, addr)
		if err != nil {
			t.Fatalf("Verify(%q) of a fresh URL: %v", u, err)
		}
		if !query && string(rest) != path {
			t.Fatalf("rest %q, want %q", rest, path)
		}
		i := int(at) % len(u)
		u[i] ^= flip
		if _, err := v.Verify(u, addr); err == nil && u[i] != '?' && u[i] != '&' {
			t.Fatalf("Verify accepted %q after byte %d was changed", u, i)
		}
	})
}

func FuzzParseKeys(f *testing.F) {
	f.Add([]byte("k1 MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n# c\n"))
	f.Add([]byte("k1\x00 a\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		keys, err := ParseKeys(b)
		if err != nil {
			return
		}
		if _, err := NewVerifier(keys, VerifierConfig{}); err != nil {
			t.Fatalf("parsed keys %+v do not make a verifier: %v", keys, err)
		}
	})
}
