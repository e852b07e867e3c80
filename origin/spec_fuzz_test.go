package origin

import (
	"strings"
	"testing"
)

// FuzzParseBase: an HTTP origin URL that parses has an http(s) scheme, a
// host, and no query or fragment that appending keys would mangle.
func FuzzParseBase(f *testing.F) {
	for _, s := range []string{"http://origin.example.net/vod", "https://u:p@o:8443", "http://o/?q", "http://o/#f", "ftp://x", "http:///x", "http://[::1]:80/a%2fb", "http://o:99999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		u, err := parseBase(s)
		if err != nil {
			return
		}
		if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || strings.Contains(u.Redacted(), "\n") {
			t.Fatalf("%q accepted as %#v", s, u)
		}
	})
}
