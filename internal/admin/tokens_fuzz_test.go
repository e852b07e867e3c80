package admin

import (
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzParseTokens: every token a file yields is at least 16 printable
// characters without spaces, and authenticates as "Bearer <token>".
func FuzzParseTokens(f *testing.F) {
	for _, s := range []string{"# operators\norigin-test-token-0123456789\n", "short\n", "\n\n", "a b c d e f g h i j k\n", "tok\x00en-0123456789abcdef\n", "  padded-token-0123456789  \r\n#x\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tokens, err := ParseTokens(strings.NewReader(s), "fuzz")
		if err != nil {
			return
		}
		for _, tok := range tokens {
			if len(tok) < 16 || strings.ContainsAny(tok, " \t\r\n\x00") || strings.HasPrefix(tok, "#") {
				t.Fatalf("token %q accepted", tok)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.Header.Set("Authorization", "Bearer "+tok)
			if !validToken(tokens, r.Header.Get("Authorization")) {
				t.Fatalf("token %q does not authenticate", tok)
			}
		}
	})
}
