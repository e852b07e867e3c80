package urlsign

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
	"time"
)

var (
	t0     = time.Unix(1_767_225_600, 0) // 2026-01-01T00:00:00Z
	key1   = Key{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef")}
	key2   = Key{ID: "k2", Secret: []byte("fedcba9876543210fedcba9876543210")}
	keyX   = Key{ID: "kx", Secret: []byte("an unknown key, not on the edges")}
	client = netip.MustParseAddr("192.0.2.10")
)

func clock(t time.Time) func() time.Time { return func() time.Time { return t } }

func newSigner(t testing.TB, k Key, cfg SignerConfig) *Signer {
	t.Helper()
	if cfg.Now == nil {
		cfg.Now = clock(t0)
	}
	s, err := NewSigner(k, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newVerifier(t testing.TB, at time.Time, keys ...Key) *Verifier {
	t.Helper()
	v, err := NewVerifier(keys, VerifierConfig{Now: clock(at)})
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestVerify(t *testing.T) {
	dir := newSigner(t, key1, SignerConfig{TTL: time.Hour})
	file := newSigner(t, key1, SignerConfig{TTL: time.Hour, Carrier: InQuery, Scope: ScopeFile})
	bound := newSigner(t, key1, SignerConfig{TTL: time.Hour, ClientBitsV4: 24, ClientBitsV6: 48})
	rotated := newSigner(t, key2, SignerConfig{TTL: time.Hour})
	unknown := newSigner(t, keyX, SignerConfig{TTL: time.Hour})
	v := newVerifier(t, t0.Add(time.Minute), key1, key2)

	master := string(dir.AppendURL(nil, "/titles/t1/master.m3u8", client))
	tok := strings.TrimPrefix(master, PathPrefix)[:strings.Index(strings.TrimPrefix(master, PathPrefix), "/")]
	seg := string(file.AppendURL(nil, "/titles/t1/720p/seg-00001.m4s", client))
	fields := strings.Split(tok, ".")
	withField := func(i int, val string) string {
		f := append([]string(nil), fields...)
		f[i] = val
		return PathPrefix + strings.Join(f, ".") + "/titles/t1/master.m3u8"
	}
	cases := []struct {
		name   string
		target string
		client string
		want   error
		rest   string
	}{
		{"path token, the signed file", master, "", nil, "/titles/t1/master.m3u8"},
		{"path token, a file under its directory", PathPrefix + tok + "/titles/t1/720p/index.m3u8", "", nil, "/titles/t1/720p/index.m3u8"},
		{"path token keeps the query", PathPrefix + tok + "/titles/t1/a.m4s?x=1", "", nil, "/titles/t1/a.m4s?x=1"},
		{"absolute form", "http://edge.example:8080" + master, "", nil, "/titles/t1/master.m3u8"},
		{"query token", seg, "", nil, seg},
		{"query token among other parameters", strings.Replace(seg, "?", "?a=1&", 1) + "&b=2", "", nil, ""},
		{"rotated key", string(rotated.AppendURL(nil, "/titles/t2/master.m3u8", client)), "", nil, "/titles/t2/master.m3u8"},
		{"bound, same /24", string(bound.AppendURL(nil, "/titles/t1/master.m3u8", client)), "192.0.2.200", nil, "/titles/t1/master.m3u8"},
		{"bound, v4-mapped client", string(bound.AppendURL(nil, "/titles/t1/master.m3u8", client)), "::ffff:192.0.2.99", nil, "/titles/t1/master.m3u8"},
		{"bound v6, same /48", string(bound.AppendURL(nil, "/t/x.m4s", netip.MustParseAddr("2001:db8:1::5"))), "2001:db8:1:ffff::9", nil, "/t/x.m4s"},

		{"missing", "/titles/t1/master.m3u8", "", ErrMissing, ""},
		{"missing, other parameters", "/titles/t1/master.m3u8?v=1&vtx=2", "", ErrMissing, ""},
		{"empty path token", PathPrefix + "/titles/t1/master.m3u8", "", ErrMalformed, ""},
		{"path token without a path", PathPrefix + tok, "", ErrMalformed, ""},
		{"two query tokens", seg + "&vt=" + tok, "", ErrMalformed, ""},
		{"short signature", withField(4, fields[4][:42]), "", ErrMalformed, ""},
		{"expiry not a number", withField(1, "12x"), "", ErrMalformed, ""},
		{"client prefix too long", withField(2, "129"), "", ErrMalformed, ""},
		{"six fields", withField(4, fields[4]+".x"), "", ErrMalformed, ""},
		{"bad absolute form", "http://" + master, "", ErrMalformed, ""},
		{"unknown key", string(unknown.AppendURL(nil, "/titles/t1/master.m3u8", client)), "", ErrUnknownKey, ""},
		{"altered path", PathPrefix + tok + "/titles/t2/master.m3u8", "", ErrTampered, ""},
		{"altered file under a file scope", strings.Replace(seg, "00001", "00002", 1), "", ErrTampered, ""},
		{"altered expiry", withField(1, "1767229201"), "", ErrTampered, ""},
		{"altered expiry, leading zero", withField(1, "0"+fields[1]), "", nil, "/titles/t1/master.m3u8"},
		{"altered scope length", withField(3, "8"), "", ErrTampered, ""},
		{"altered key ID to another known key", withField(0, "k2"), "", ErrTampered, ""},
		{"altered signature", withField(4, "A"+fields[4][1:]), "", ErrTampered, ""},
		{"bound, another /24", string(bound.AppendURL(nil, "/titles/t1/master.m3u8", client)), "192.0.3.10", ErrTampered, ""},
		{"bound v4, v6 client", string(bound.AppendURL(nil, "/titles/t1/master.m3u8", client)), "2001:db8::1", ErrTampered, ""},
		{"unbound token claimed bound", withField(2, "24"), "", ErrTampered, ""},
		{"dot-dot out of the scope", PathPrefix + tok + "/titles/t1/../t2/master.m3u8", "", ErrScope, ""},
		{"dot-dot first", PathPrefix + tok + "/titles/t1/../../etc/passwd", "", ErrScope, ""},
		{"encoded dot-dot", PathPrefix + tok + "/titles/t1/%2e%2E/t2/x", "", ErrScope, ""},
		{"encoded slash", PathPrefix + tok + "/titles/t1/a%2F..%2fb", "", ErrScope, ""},
		{"backslash", PathPrefix + tok + "/titles/t1/..\\t2", "", ErrScope, ""},
		{"shorter than the scope", PathPrefix + tok + "/titles/", "", ErrScope, ""},
		{"sibling directory", PathPrefix + tok + "/titles/t10/master.m3u8", "", ErrTampered, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			addr := client
			if c.client != "" {
				addr = netip.MustParseAddr(c.client)
			}
			rest, err := v.Verify([]byte(c.target), addr)
			if err != c.want {
				t.Fatalf("Verify(%q) = %v, want %v", c.target, err, c.want)
			}
			if err == nil && c.rest != "" && string(rest) != c.rest {
				t.Fatalf("rest %q, want %q", rest, c.rest)
			}
			if err != nil && rest != nil {
				t.Fatalf("rest %q with an error", rest)
			}
		})
	}
}

func TestExpiry(t *testing.T) {
	s := newSigner(t, key1, SignerConfig{TTL: time.Hour})
	u := s.AppendURL(nil, "/titles/t1/master.m3u8", client)
	for _, c := range []struct {
		at   time.Duration
		want error
	}{{0, nil}, {time.Hour, nil}, {time.Hour + time.Second, ErrExpired}, {24 * time.Hour, ErrExpired}} {
		if _, err := newVerifier(t, t0.Add(c.at), key1).Verify(u, client); err != c.want {
			t.Errorf("at +%v: %v, want %v", c.at, err, c.want)
		}
	}
}

func TestDisabledVerifierStripsPathTokens(t *testing.T) {
	v, err := NewVerifier(nil, VerifierConfig{Disabled: true})
	if err != nil || v.Enabled() {
		t.Fatal(err)
	}
	u := newSigner(t, keyX, SignerConfig{}).AppendURL(nil, "/titles/t1/master.m3u8", client)
	for target, want := range map[string]string{
		string(u):                 "/titles/t1/master.m3u8",
		"/titles/t1/a.m4s":        "/titles/t1/a.m4s",
		"/titles/t1/a.m4s?vt=bad": "/titles/t1/a.m4s?vt=bad",
		PathPrefix + "junk":       PathPrefix + "junk",
	} {
		if rest, err := v.Verify([]byte(target), client); err != nil || string(rest) != want {
			t.Errorf("disabled Verify(%q) = %q, %v; want %q", target, rest, err, want)
		}
	}
}

func TestConfigErrors(t *testing.T) {
	for _, k := range []Key{{ID: "", Secret: key1.Secret}, {ID: "a.b", Secret: key1.Secret}, {ID: strings.Repeat("k", 17), Secret: key1.Secret}, {ID: "k", Secret: []byte("short")}} {
		if _, err := NewSigner(k, SignerConfig{}); err == nil {
			t.Errorf("key %+v accepted", k)
		}
	}
	if _, err := NewSigner(key1, SignerConfig{ClientBitsV4: 33}); err == nil {
		t.Error("a /33 IPv4 binding accepted")
	}
	if _, err := NewVerifier(nil, VerifierConfig{}); err == nil {
		t.Error("a verifier without keys accepted")
	}
	if _, err := NewVerifier([]Key{key1, key1}, VerifierConfig{}); err == nil {
		t.Error("a key ID given twice accepted")
	}
}

func TestParseKeys(t *testing.T) {
	keys, err := ParseKeys([]byte("# rotation: newest first\nk2 ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=\n\n  k1   MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=  \n"))
	if err != nil || len(keys) != 2 || keys[0].ID != "k2" || string(keys[1].Secret) != string(key1.Secret) {
		t.Fatalf("ParseKeys: %+v, %v", keys, err)
	}
	for name, in := range map[string]string{
		"empty":       "# nothing\n",
		"one field":   "k1\n",
		"not base64":  "k1 !!!\n",
		"short":       "k1 c2hvcnQ=\n",
		"bad ID":      "k/1 MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n",
		"duplicate":   "k1 MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\nk1 MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n",
		"three field": "k1 MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY= x\n",
	} {
		if _, err := ParseKeys([]byte(in)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestValidPath(t *testing.T) {
	for p, want := range map[string]bool{
		"/titles/t1/master.m3u8": true, "/a": true, "/a/b~c_d-e.f": true, "/a:b@c": true,
		"": false, "a/b": false, "/a/../b": false, "/a/./b": false, "/a/..": false, "/a//b": false,
		"/a b": false, "/a%20b": false, "/a?b": false, "/a#b": false, "/_vt/x/y": false, "/é": false,
		"/" + strings.Repeat("a", MaxPathLen): false, "/a/...": true, "/.hidden": true,
	} {
		if ValidPath(p) != want {
			t.Errorf("ValidPath(%q) = %v", p, !want)
		}
	}
}

func TestReason(t *testing.T) {
	for err, want := range map[error]string{nil: "", ErrMissing: "missing", ErrMalformed: "malformed", ErrUnknownKey: "unknown_key",
		ErrTampered: "tampered", ErrExpired: "expired", ErrScope: "scope", errors.New("x"): "other"} {
		if got := Reason(err); got != want {
			t.Errorf("Reason(%v) = %q", err, got)
		}
	}
}

// Verification runs on every request of the edge: it must not allocate.
func TestVerifyDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("under -race sync.Pool drops a share of its items on purpose")
	}
	v := newVerifier(t, t0, key1, key2)
	bound := newSigner(t, key2, SignerConfig{ClientBitsV4: 24, ClientBitsV6: 48})
	targets := [][]byte{
		newSigner(t, key1, SignerConfig{}).AppendURL(nil, "/titles/t1/720p/seg-00042.m4s", client),
		newSigner(t, key1, SignerConfig{Carrier: InQuery, Scope: ScopeFile}).AppendURL(nil, "/titles/t1/720p/seg-00042.m4s", client),
		bound.AppendURL(nil, "/titles/t1/720p/seg-00042.m4s", client),
		bound.AppendURL(nil, "/titles/t1/720p/seg-00042.m4s", netip.MustParseAddr("2001:db8::1")),
		[]byte("/titles/t1/master.m3u8"),
		[]byte("/_vt/k9.1.0.0.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA/x"),
	}
	for _, tg := range targets {
		addr := client
		if strings.Contains(string(tg), ".48.") {
			addr = netip.MustParseAddr("2001:db8::1")
		}
		if n := testing.AllocsPerRun(200, func() { _, _ = v.Verify(tg, addr) }); n != 0 {
			t.Errorf("Verify(%q) allocates %.1f times", tg, n)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	v := newVerifier(b, t0, key1)
	u := newSigner(b, key1, SignerConfig{ClientBitsV4: 24}).AppendURL(nil, "/titles/0123456789abcdef/video-h264-1080p/seg-00042.m4s", client)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := v.Verify(u, client); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSign(b *testing.B) {
	s := newSigner(b, key1, SignerConfig{ClientBitsV4: 24})
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = s.AppendURL(buf[:0], "/titles/0123456789abcdef/master.m3u8", client)
	}
}
