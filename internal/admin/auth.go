package admin

import (
	"bufio"
	"crypto/subtle"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
)

// LoadTokens reads bearer tokens from a file: one per line, blank lines
// and lines starting with # ignored. Tokens shorter than 16 characters
// are refused: they are guessable.
func LoadTokens(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("admin tokens: %w", err)
	}
	defer f.Close()
	return ParseTokens(f, path)
}

// ParseTokens reads a token file's contents (LoadTokens); name labels
// errors.
func ParseTokens(r io.Reader, name string) ([]string, error) {
	var out []string
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		t := strings.TrimSpace(sc.Text())
		if t == "" || strings.HasPrefix(t, "#") {
			continue
		}
		if len(t) < 16 {
			return nil, fmt.Errorf("admin tokens %s:%d: token shorter than 16 characters", name, n)
		}
		if strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
			return nil, fmt.Errorf("admin tokens %s:%d: a token cannot contain spaces or control characters", name, n)
		}
		out = append(out, t)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("admin tokens %s: %w", name, err)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("admin tokens %s: no token in the file", name)
	}
	return out, nil
}

// RequireToken wraps h so that only requests carrying one of tokens as
// "Authorization: Bearer …" reach it; others get 401. Tokens are compared
// in constant time. Every call is written to the audit log (log) with
// its outcome. With no tokens, every request is refused.
func RequireToken(tokens []string, log *slog.Logger, h http.Handler) http.Handler {
	return Audited(tokens, log, h, nil)
}

// Audited is RequireToken logging refused calls always and authorized
// ones only when logAuthorized says so (nil: always). The controller's
// API uses it to keep the ingest command's frequent progress reads out
// of the audit log.
func Audited(tokens []string, log *slog.Logger, h http.Handler, logAuthorized func(*http.Request) bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ok := validToken(tokens, r.Header.Get("Authorization"))
		if log != nil && (!ok || logAuthorized == nil || logAuthorized(r)) {
			log.Info("admin call", "audit", true, "method", r.Method, "path", r.URL.Path, "query", r.URL.RawQuery,
				"remote", r.RemoteAddr, "authorized", ok)
		}
		if !ok {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vodedge admin"`)
			msg := "unauthorized: send Authorization: Bearer <token>\n"
			if len(tokens) == 0 {
				msg = "unauthorized: no admin token is configured on this node (--admin-token-file)\n"
			}
			http.Error(w, msg, http.StatusUnauthorized)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func validToken(tokens []string, header string) bool {
	got, found := strings.CutPrefix(header, "Bearer ")
	if !found || got == "" {
		return false
	}
	ok := 0
	for _, t := range tokens {
		ok |= subtle.ConstantTimeCompare([]byte(t), []byte(got))
	}
	return ok == 1
}
