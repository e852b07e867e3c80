package controller

import (
	"bufio"
	"context"
	"crypto/subtle"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Per-node credentials (Config.NodeTokens, `--node-token-file`): a node
// may authenticate with a token of its own instead of an API token. Such
// a token opens only what a node needs — its site's manifests and file
// indexes, its own progress reports, heartbeats, access-log batches and
// restore requests (POST /v1/restores) — and names the node:
// a heartbeat or report for another node is refused (403). An API token
// still opens everything, so an edge may keep using one.

// nodeKey is the context key of the node a per-node token named.
type nodeKey struct{}

// ParseNodeTokens reads a node token file: one "NAME TOKEN" pair per
// line, blank lines and lines starting with # ignored; tokens are 16+
// characters without spaces, each name and token used once.
func ParseNodeTokens(r io.Reader) (map[string]string, error) {
	out := map[string]string{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		switch {
		case len(f) != 2:
			return nil, fmt.Errorf("line %d: want NAME TOKEN", n)
		case len(f[1]) < 16:
			return nil, fmt.Errorf("line %d: token shorter than 16 characters", n)
		case strings.ContainsFunc(line, func(r rune) bool { return r < ' ' && r != '\t' || r == 0x7f }):
			return nil, fmt.Errorf("line %d: control characters", n)
		case out[f[0]] != "" || seen[f[1]]:
			return nil, fmt.Errorf("line %d: node %s or its token is given twice", n, f[0])
		}
		out[f[0]], seen[f[1]] = f[1], true
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no node token in the file")
	}
	return out, nil
}

// nodeOf returns the node whose token the request carries.
func (s *Server) nodeOf(r *http.Request) (string, bool) {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || got == "" {
		return "", false
	}
	name := ""
	for n, tok := range s.cfg.NodeTokens {
		if subtle.ConstantTimeCompare([]byte(tok), []byte(got)) == 1 {
			name = n
		}
	}
	return name, name != ""
}

// serveNode serves a request authenticated by a node's own token: the
// node routes only.
func (s *Server) serveNode(node string, next http.Handler, w http.ResponseWriter, r *http.Request) {
	p := r.URL.Path
	get := r.Method == http.MethodGet || r.Method == http.MethodHead
	allowed := get && (strings.HasPrefix(p, "/v1/manifests/") || strings.HasPrefix(p, "/v1/indexes/") || strings.HasPrefix(p, "/v1/parents/")) ||
		r.Method == http.MethodPost && (p == "/v1/nodes/heartbeat" || p == "/v1/restores" || p == "/v1/fill/reports/"+node || p == "/v1/popularity/batches/"+node)
	if !allowed {
		s.log.Info("admin call", "audit", true, "method", r.Method, "path", p, "remote", r.RemoteAddr, "node", node, "authorized", false)
		s.fail(w, r, fmt.Errorf("%w: node %s's credential opens only its manifests, indexes, parents, reports, heartbeats, log batches and restore requests", errForbidden, node))
		return
	}
	next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nodeKey{}, node)))
}

// checkNode refuses a heartbeat for another node than the credential's.
func checkNode(ctx context.Context, name string) error {
	if node, ok := ctx.Value(nodeKey{}).(string); ok && node != name {
		return fmt.Errorf("%w: this credential is node %s's, not %s's", errForbidden, node, name)
	}
	return nil
}
