package cache

import (
	"bytes"
	"errors"
	"strings"

	"github.com/vodedge/vodedge/internal/cachekey"
)

// errBadQuery refuses a query string that cannot be part of a key.
var errBadQuery = errors.New("cache: query string too long or not printable ASCII")

// withQuery appends target's query string to k, its normalized path,
// when the policy rule for the path puts queries into keys (a rule with
// the query flag); otherwise, and for every default rule, the query is
// not part of the key. The query is kept as sent (printable ASCII, no
// fragment): two spellings of one query are two objects.
func (h *handler) withQuery(k, target []byte) ([]byte, error) {
	if !h.queryKeys {
		return k, nil
	}
	i := bytes.IndexByte(target, '?')
	if i < 0 {
		return k, nil
	}
	q := target[i+1:]
	if j := bytes.IndexByte(q, '#'); j >= 0 {
		q = q[:j]
	}
	if len(q) == 0 || !h.tiers.rules.policies.Lookup(string(k)).Query {
		return k, nil
	}
	if len(k)+1+len(q) > cachekey.MaxLen || bytes.ContainsFunc(q, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return k, &classed{errBadTarget, errBadQuery}
	}
	return append(append(k, '?'), q...), nil
}

// keyPath is a key's path, without the query a rule may have added: what
// policies match.
func keyPath(key string) string {
	if i := strings.IndexByte(key, '?'); i >= 0 {
		return key[:i]
	}
	return key
}
