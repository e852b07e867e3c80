package cachekey

import (
	"bytes"
	"errors"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

type normCase struct {
	name string
	uri  string
	want string
	err  error
}

var normCases = []normCase{
	// Clean paths and queries.
	{name: "segment", uri: "/title/1080p/seg-1.m4s", want: "/title/1080p/seg-1.m4s"},
	{name: "root", uri: "/", want: "/"},
	{name: "query dropped", uri: "/title/1080p/seg%2D1.m4s?token=abc", want: "/title/1080p/seg-1.m4s"},
	{name: "root query", uri: "/?x=1", want: "/"},
	{name: "empty query", uri: "/a?", want: "/a"},
	{name: "query not checked", uri: "/a?x=%zz&y=/../\\%00", want: "/a"},
	{name: "trailing slash kept", uri: "/a/b/", want: "/a/b/"},
	{name: "inner dots", uri: "/a..b/c.d./...", want: "/a..b/c.d./..."},
	{name: "dot file", uri: "/.hidden/x", want: "/.hidden/x"},
	{name: "dots then name", uri: "/..a/a..", want: "/..a/a.."},
	{name: "plus kept", uri: "/a+b", want: "/a+b"},
	{name: "sub-delims", uri: "/a;b=c,d!e$f&g'h(i)*:@~", want: "/a;b=c,d!e$f&g'h(i)*:@~"},

	// Slash runs and dot segments.
	{name: "double slash", uri: "/a//b", want: "/a/b"},
	{name: "leading slashes", uri: "//a", want: "/a"},
	{name: "only slashes", uri: "///", want: "/"},
	{name: "trailing slashes", uri: "/a/b//", want: "/a/b/"},
	{name: "long slash run", uri: "/" + strings.Repeat("/", 2000) + "a", want: "/a"},
	{name: "dot", uri: "/a/./b", want: "/a/b"},
	{name: "leading dot", uri: "/./a", want: "/a"},
	{name: "trailing dot", uri: "/a/.", want: "/a/"},
	{name: "trailing dot slash", uri: "/a/./", want: "/a/"},
	{name: "root dot", uri: "/.", want: "/"},
	{name: "dots and slashes", uri: "/././/./a/./", want: "/a/"},
	{name: "encoded dot", uri: "/a/%2e/b", want: "/a/b"},
	{name: "encoded trailing dot", uri: "/a/%2E", want: "/a/"},
	{name: "dot before query", uri: "/a/.?x", want: "/a/"},

	// Percent decoding and raw bytes.
	{name: "unreserved decoded", uri: "/%41%62c%7e%2D", want: "/Abc~-"},
	{name: "lower hex", uri: "/%4a%4A", want: "/JJ"},
	{name: "space encoded", uri: "/a%20b", want: "/a b"},
	{name: "space raw", uri: "/a b", want: "/a b"},
	{name: "utf8 encoded", uri: "/caf%C3%A9", want: "/café"},
	{name: "utf8 raw", uri: "/café/🎬.m4s", want: "/café/🎬.m4s"},
	{name: "reserved decoded", uri: "/a%3Bb%3Dc%40", want: "/a;b=c@"},
	{name: "max length", uri: "/" + strings.Repeat("a", MaxLen-1), want: "/" + strings.Repeat("a", MaxLen-1)},
	{name: "max length encoded", uri: "/" + strings.Repeat("%61", MaxLen-1), want: "/" + strings.Repeat("a", MaxLen-1)},

	// Absolute-form.
	{name: "absolute", uri: "http://cdn.example/a/b?x", want: "/a/b"},
	{name: "absolute https upper", uri: "HTTPS://cdn.example:8443/a", want: "/a"},
	{name: "absolute no path", uri: "http://cdn.example", want: "/"},
	{name: "absolute query only", uri: "http://cdn.example?x=1", want: "/"},
	{name: "absolute normalized", uri: "http://h//a/./b%2D", want: "/a/b-"},
	{name: "absolute userinfo", uri: "http://user@h/a", err: ErrAbsolute},
	{name: "absolute empty host", uri: "http:///a", err: ErrAbsolute},
	{name: "absolute empty host query", uri: "http://?x", err: ErrAbsolute},
	{name: "absolute dotdot", uri: "http://h/../a", err: ErrDotDot},
	{name: "other scheme", uri: "ftp://h/a", err: ErrNotOrigin},
	{name: "scheme without slashes", uri: "http:/a", err: ErrNotOrigin},
	{name: "long s scheme", uri: "httpſ://h/a", err: ErrNotOrigin},

	// Not a path.
	{name: "empty", uri: "", err: ErrEmpty},
	{name: "relative", uri: "a/b", err: ErrNotOrigin},
	{name: "asterisk", uri: "*", err: ErrNotOrigin},
	{name: "authority-form", uri: "cdn.example:443", err: ErrNotOrigin},
	{name: "query only", uri: "?x", err: ErrNotOrigin},

	// Fragments.
	{name: "fragment", uri: "/a#frag", err: ErrFragment},
	{name: "fragment in query", uri: "/a?x#y", err: ErrFragment},
	{name: "bare hash", uri: "#", err: ErrFragment},

	// Dot-dot segments.
	{name: "dotdot", uri: "/a/../b", err: ErrDotDot},
	{name: "dotdot root", uri: "/..", err: ErrDotDot},
	{name: "dotdot trailing", uri: "/a/..", err: ErrDotDot},
	{name: "dotdot before query", uri: "/a/..?x", err: ErrDotDot},
	{name: "dotdot encoded", uri: "/%2e%2e/x", err: ErrDotDot},
	{name: "dotdot half encoded", uri: "/.%2e/x", err: ErrDotDot},
	{name: "dotdot upper encoded", uri: "/%2E./x", err: ErrDotDot},
	{name: "dotdot mixed case", uri: "/a/%2e%2E", err: ErrDotDot},
	{name: "dotdot after slashes", uri: "//..//a", err: ErrDotDot},

	// Slashes and backslashes.
	{name: "encoded slash", uri: "/a%2Fb", err: ErrEncodedSlash},
	{name: "encoded slash lower", uri: "/a%2fb", err: ErrEncodedSlash},
	{name: "encoded slash dotdot", uri: "/..%2Fetc", err: ErrEncodedSlash},
	{name: "encoded backslash", uri: "/a%5Cb", err: ErrBackslash},
	{name: "encoded backslash lower", uri: "/a%5cb", err: ErrBackslash},
	{name: "backslash", uri: "/a\\b", err: ErrBackslash},
	{name: "backslash dotdot", uri: "/..\\a", err: ErrBackslash},

	// Control characters.
	{name: "encoded nul", uri: "/a%00b", err: ErrControl},
	{name: "raw nul", uri: "/a\x00b", err: ErrControl},
	{name: "encoded 1f", uri: "/a%1f", err: ErrControl},
	{name: "encoded del", uri: "/a%7F", err: ErrControl},
	{name: "raw del", uri: "/a\x7f", err: ErrControl},
	{name: "raw tab", uri: "/a\tb", err: ErrControl},
	{name: "raw crlf", uri: "/a\r\nb", err: ErrControl},
	{name: "encoded crlf", uri: "/a%0d%0aSet-Cookie:x", err: ErrControl},

	// Malformed escapes.
	{name: "lone percent", uri: "/%", err: ErrBadEscape},
	{name: "one digit", uri: "/%4", err: ErrBadEscape},
	{name: "one digit mid", uri: "/a%4/b", err: ErrBadEscape},
	{name: "not hex", uri: "/%zz", err: ErrBadEscape},
	{name: "half hex", uri: "/a%g1", err: ErrBadEscape},
	{name: "percent before query", uri: "/a%?x", err: ErrBadEscape},

	// Encoded delimiters.
	{name: "encoded percent", uri: "/a%25b", err: ErrEncodedDelim},
	{name: "encoded question", uri: "/a%3Fb", err: ErrEncodedDelim},
	{name: "encoded hash", uri: "/a%23b", err: ErrEncodedDelim},
	{name: "double encoded dotdot", uri: "/%252e%252e/x", err: ErrEncodedDelim},

	// UTF-8.
	{name: "encoded ff", uri: "/%ff", err: ErrBadUTF8},
	{name: "truncated sequence", uri: "/%C3", err: ErrBadUTF8},
	{name: "raw invalid", uri: "/\xff", err: ErrBadUTF8},
	{name: "overlong slash", uri: "/%C0%AF", err: ErrBadUTF8},
	{name: "overlong dot", uri: "/%C0%AE%C0%AE/x", err: ErrBadUTF8},
	{name: "surrogate", uri: "/%ED%A0%80", err: ErrBadUTF8},

	// Lengths.
	{name: "too long", uri: "/" + strings.Repeat("a", MaxLen), err: ErrTooLong},
	{name: "too long encoded", uri: "/" + strings.Repeat("%61", MaxLen), err: ErrTooLong},
	{name: "too long utf8", uri: "/" + strings.Repeat("é", MaxLen/2), err: ErrTooLong},
	{name: "raw too long", uri: "/a?" + strings.Repeat("t", MaxRawLen), err: ErrTooLong},
	{name: "raw too long slashes", uri: strings.Repeat("/", MaxRawLen+1), err: ErrTooLong},
}

func TestNormalize(t *testing.T) {
	for _, tc := range normCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Normalize(nil, []byte(tc.uri))
			if err != tc.err {
				t.Fatalf("Normalize(%q) error = %v, want %v", tc.uri, err, tc.err)
			}
			if string(got) != tc.want {
				t.Fatalf("Normalize(%q) = %q, want %q", tc.uri, got, tc.want)
			}
		})
	}
}

func TestNormalizeAppends(t *testing.T) {
	for _, uri := range []string{"/a/b", "/a%20b", "/a/..", "/%zz", "http://h/x"} {
		dst := []byte("prefix:")
		got, err := Normalize(dst, []byte(uri))
		if !bytes.HasPrefix(got, []byte("prefix:")) || (err != nil && len(got) != len(dst)) {
			t.Errorf("Normalize(%q) = %q, %v; prefix lost or dst grown on error", uri, got, err)
		}
	}
}

func TestNormalizeAllocs(t *testing.T) {
	dst := make([]byte, 0, MaxLen)
	for _, uri := range []string{
		"/title/1080p/seg-1.m4s",
		"/title/1080p/seg-1.m4s?token=abc",
		"/title//1080p/./seg%2D1.m4s",
		"/caf%C3%A9/seg.m4s",
		"http://cdn.example/title/seg-1.m4s",
		"/title/../x",
		"/title/%zz",
	} {
		b := []byte(uri)
		if n := testing.AllocsPerRun(100, func() { _, _ = Normalize(dst[:0], b) }); n != 0 {
			t.Errorf("Normalize(%q) allocates %.1f times, want 0", uri, n)
		}
	}
}

// refNormalize is a plain strings and net/url reading of the rules, to check
// Normalize against.
func refNormalize(uri string) (string, bool) {
	if uri == "" || len(uri) > MaxRawLen || strings.Contains(uri, "#") {
		return "", false
	}
	path := uri
	if !strings.HasPrefix(uri, "/") {
		var ok bool
		if path, ok = refAbsolutePath(uri); !ok {
			return "", false
		}
	}
	path, _, _ = strings.Cut(path, "?")
	if path == "" {
		return "/", true
	}
	var segs []string
	trailing := false
	parts := strings.Split(path[1:], "/")
	for i, seg := range parts {
		if strings.Contains(seg, `\`) || hasControl(seg) {
			return "", false
		}
		dec, err := url.PathUnescape(seg)
		if err != nil || strings.ContainsAny(dec, `/\%?#`) || hasControl(dec) || dec == ".." {
			return "", false
		}
		if dec == "" || dec == "." {
			trailing = i == len(parts)-1
			continue
		}
		segs = append(segs, dec)
	}
	key := "/" + strings.Join(segs, "/")
	if trailing && len(segs) > 0 {
		key += "/"
	}
	if len(key) > MaxLen || !utf8.ValidString(key) {
		return "", false
	}
	return key, true
}

func refAbsolutePath(uri string) (string, bool) {
	for _, scheme := range []string{"http://", "https://"} {
		if len(uri) < len(scheme) || asciiLower(uri[:len(scheme)]) != scheme {
			continue
		}
		rest := uri[len(scheme):]
		host, path := rest, ""
		if i := strings.IndexAny(rest, "/?"); i >= 0 {
			host, path = rest[:i], rest[i:]
		}
		return path, host != "" && !strings.Contains(host, "@")
	}
	return "", false
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func hasControl(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r < ' ' || r == 0x7f })
}

func TestRefNormalizeAgreesOnTable(t *testing.T) {
	for _, tc := range normCases {
		got, ok := refNormalize(tc.uri)
		if ok != (tc.err == nil) || got != tc.want {
			t.Errorf("%s: refNormalize(%q) = %q, %v; want %q, %v", tc.name, tc.uri, got, ok, tc.want, tc.err)
		}
	}
}

// checkKey fails t unless key has the shape every key must have.
func checkKeyShape(t *testing.T, key string) {
	t.Helper()
	switch {
	case !strings.HasPrefix(key, "/"):
		t.Fatalf("key %q does not start with /", key)
	case strings.Contains(key, "//"):
		t.Fatalf("key %q holds //", key)
	case strings.Contains(key, "/./") || strings.HasSuffix(key, "/."):
		t.Fatalf("key %q holds a . segment", key)
	case strings.Contains(key, "/../") || strings.HasSuffix(key, "/.."):
		t.Fatalf("key %q holds a .. segment", key)
	case strings.ContainsAny(key, `\%?#`) || hasControl(key) || strings.ContainsRune(key, 0):
		t.Fatalf("key %q holds a forbidden byte", key)
	case !utf8.ValidString(key):
		t.Fatalf("key %q is not UTF-8", key)
	case len(key) > MaxLen:
		t.Fatalf("key is %d bytes long", len(key))
	}
}

func FuzzNormalize(f *testing.F) {
	for _, tc := range normCases {
		f.Add([]byte(tc.uri))
	}
	f.Fuzz(func(t *testing.T, uri []byte) {
		got, err := Normalize([]byte("p"), uri)
		if string(got[:1]) != "p" || (err != nil && len(got) != 1) {
			t.Fatalf("Normalize(%q) = %q, %v: clobbered dst", uri, got, err)
		}
		key := string(got[1:])
		want, ok := refNormalize(string(uri))
		if (err == nil) != ok || key != want {
			t.Fatalf("Normalize(%q) = %q, %v; reference says %q, %v", uri, key, err, want, ok)
		}
		if err != nil {
			return
		}
		checkKeyShape(t, key)
		if again, err := Normalize(nil, []byte(key)); err != nil || string(again) != key {
			t.Fatalf("Normalize(%q) = %q, %v; not idempotent", key, again, err)
		}
		esc := Escape(nil, key)
		if back, err := Normalize(nil, esc); err != nil || string(back) != key {
			t.Fatalf("Normalize(Escape(%q)) = Normalize(%q) = %q, %v", key, esc, back, err)
		}
	})
}

func BenchmarkNormalize(b *testing.B) {
	for _, bc := range []struct{ name, uri string }{
		{"clean", "/title/1080p/seg-1.m4s"},
		{"clean_query", "/title/1080p/seg-1.m4s?token=eyJhbGciOiJIUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.sig"},
		{"clean_long", "/" + strings.Repeat("abcdefgh/", 100) + "seg-1.m4s"},
		{"encoded", "/title/1080p/seg%2D1.m4s"},
		{"dot_segments", "/title//1080p/./seg-1.m4s"},
		{"utf8", "/caf%C3%A9/sé/seg-1.m4s"},
		{"absolute", "http://cdn.example/title/1080p/seg-1.m4s"},
		{"reject_dotdot", "/title/../etc/passwd"},
	} {
		uri := []byte(bc.uri)
		dst := make([]byte, 0, MaxLen)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(uri)))
			for b.Loop() {
				dst, _ = Normalize(dst[:0], uri)
			}
		})
	}
}

func TestErrorsArePrefixed(t *testing.T) {
	for _, err := range []error{ErrEmpty, ErrNotOrigin, ErrAbsolute, ErrTooLong, ErrFragment, ErrDotDot,
		ErrEncodedSlash, ErrBackslash, ErrControl, ErrBadEscape, ErrEncodedDelim, ErrBadUTF8} {
		if !strings.HasPrefix(err.Error(), "cachekey: ") || errors.Unwrap(err) != nil {
			t.Errorf("error %q is not a package-prefixed sentinel", err)
		}
	}
}
