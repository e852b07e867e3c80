package admin

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRequireToken(t *testing.T) {
	const tok = "s3cret-token-0123456789"
	h := RequireToken([]string{"another-token-abcdefgh", tok}, nil, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Write([]byte("ok"))
	}))
	for _, tc := range []struct {
		auth string
		want int
	}{
		{"", 401}, {"Bearer", 401}, {"Bearer ", 401}, {"Basic " + tok, 401}, {"Bearer wrong", 401},
		{"Bearer " + tok + "x", 401}, {"bearer " + tok, 401}, {"Bearer " + tok, 200},
	} {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("POST", "/v1/purge", nil)
		if tc.auth != "" {
			req.Header.Set("Authorization", tc.auth)
		}
		h.ServeHTTP(rec, req)
		if rec.Code != tc.want {
			t.Errorf("Authorization %q: %d, want %d", tc.auth, rec.Code, tc.want)
		}
		if rec.Code == 401 && !strings.HasPrefix(rec.Header().Get("WWW-Authenticate"), "Bearer") {
			t.Errorf("401 without a Bearer challenge")
		}
	}
	none := RequireToken(nil, nil, http.NotFoundHandler())
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Authorization", "Bearer ")
	none.ServeHTTP(rec, req)
	if rec.Code != 401 || !strings.Contains(rec.Body.String(), "no admin token") {
		t.Errorf("no tokens configured: %d %q", rec.Code, rec.Body.String())
	}
}

func TestLoadTokens(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		os.WriteFile(p, []byte(body), 0o600)
		return p
	}
	toks, err := LoadTokens(write("ok", "# ops team\n\n  aaaaaaaaaaaaaaaaaaaa  \nbbbbbbbbbbbbbbbbbbbbbb\n"))
	if err != nil || len(toks) != 2 || toks[0] != "aaaaaaaaaaaaaaaaaaaa" {
		t.Fatalf("%v %v", toks, err)
	}
	for name, body := range map[string]string{"short": "abc\n", "empty": "# nothing\n"} {
		if _, err := LoadTokens(write(name, body)); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := LoadTokens(filepath.Join(dir, "missing")); err == nil {
		t.Error("missing file accepted")
	}
}
