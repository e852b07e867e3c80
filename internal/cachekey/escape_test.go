package cachekey

import (
	"net/url"
	"strings"
	"testing"
)

// refEscape escapes each segment of key with url.PathEscape.
func refEscape(key string) string {
	segs := strings.Split(key, "/")
	for i, s := range segs {
		segs[i] = url.PathEscape(s)
	}
	return strings.Join(segs, "/")
}

func TestEscape(t *testing.T) {
	for _, tc := range []struct{ key, want string }{
		{"/", "/"},
		{"/title/1080p/seg-1.m4s", "/title/1080p/seg-1.m4s"},
		{"/a b/c", "/a%20b/c"},
		{"/café", "/caf%C3%A9"},
		{"/a;b,c?d%e#f", "/a%3Bb%2Cc%3Fd%25e%23f"},
		{"/$&+:=@_~-.", "/$&+:=@_~-."},
		{"/!'()*", "/%21%27%28%29%2A"},
		{"/dir/", "/dir/"},
	} {
		if got := string(Escape([]byte("x"), tc.key)); got != "x"+tc.want {
			t.Errorf("Escape(%q) = %q, want %q", tc.key, got, "x"+tc.want)
		}
		if ref := refEscape(tc.key); ref != tc.want {
			t.Errorf("url.PathEscape by segment of %q = %q, table says %q", tc.key, ref, tc.want)
		}
	}
}

func TestEscapeAllocs(t *testing.T) {
	dst := make([]byte, 0, 3*MaxLen)
	for _, key := range []string{"/title/1080p/seg-1.m4s", "/café/a b.m4s"} {
		if n := testing.AllocsPerRun(100, func() { dst = Escape(dst[:0], key) }); n != 0 {
			t.Errorf("Escape(%q) allocates %.1f times, want 0", key, n)
		}
	}
}

func FuzzEscape(f *testing.F) {
	for _, tc := range normCases {
		f.Add(tc.want)
		f.Add(tc.uri)
	}
	f.Fuzz(func(t *testing.T, key string) {
		esc := string(Escape(nil, key))
		if want := refEscape(key); esc != want {
			t.Fatalf("Escape(%q) = %q, url.PathEscape by segment gives %q", key, esc, want)
		}
		if k, err := Normalize(nil, []byte(key)); err != nil || string(k) != key {
			return // not a key
		}
		if back, err := Normalize(nil, []byte(esc)); err != nil || string(back) != key {
			t.Fatalf("Normalize(Escape(%q)) = Normalize(%q) = %q, %v", key, esc, back, err)
		}
	})
}

func BenchmarkEscape(b *testing.B) {
	for _, bc := range []struct{ name, key string }{
		{"clean", "/title/1080p/seg-1.m4s"},
		{"spaces_utf8", "/my title/café/seg 1.m4s"},
	} {
		dst := make([]byte, 0, 3*MaxLen)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				dst = Escape(dst[:0], bc.key)
			}
		})
	}
}
