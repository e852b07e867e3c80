package urlsign

import (
	"bytes"
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"time"
)

// VerifierConfig is how a Verifier checks URLs.
type VerifierConfig struct {
	// Disabled turns checking off (a lab setup): Verify still removes a
	// token carried in the path, so signed URLs keep working, but accepts
	// every request.
	Disabled bool
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Verifier checks signed URLs against a set of keys. It is safe for
// concurrent use and does not allocate.
type Verifier struct {
	keys map[string]*keyState
	cfg  VerifierConfig
}

// NewVerifier checks the keys. At least one key is needed unless
// cfg.Disabled.
func NewVerifier(keys []Key, cfg VerifierConfig) (*Verifier, error) {
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if len(keys) == 0 && !cfg.Disabled {
		return nil, errors.New("urlsign: no key to verify with")
	}
	v := &Verifier{keys: make(map[string]*keyState, len(keys)), cfg: cfg}
	for _, k := range keys {
		if err := k.Validate(); err != nil {
			return nil, err
		}
		if v.keys[k.ID] != nil {
			return nil, fmt.Errorf("urlsign: key ID %q given twice", k.ID)
		}
		v.keys[k.ID] = newKeyState(k)
	}
	return v, nil
}

// Enabled reports whether the verifier checks tokens.
func (v *Verifier) Enabled() bool { return !v.cfg.Disabled }

// Verify checks the token of a request. target is the raw request-target
// as the client sent it (origin form "/path?query", or absolute form);
// client is the address of the connection's peer. On success it returns
// the target without the token segment (a sub-slice of target; the same
// bytes when the token travelled in the query), which is what the cache
// key is computed from. On failure it returns nil and one of ErrMissing,
// ErrMalformed, ErrUnknownKey, ErrTampered, ErrExpired, ErrScope. It
// never allocates.
func (v *Verifier) Verify(target []byte, client netip.Addr) ([]byte, error) {
	rest, path, tok, err := locate(target)
	switch {
	case v.cfg.Disabled && err == nil, v.cfg.Disabled && err == ErrMissing:
		return rest, nil
	case v.cfg.Disabled:
		return target, nil // left for the edge's own checks of the target
	case err != nil:
		return nil, err
	}
	t, ok := parseToken(tok)
	if !ok {
		return nil, ErrMalformed
	}
	ks := v.keys[string(t.kid)]
	if ks == nil {
		return nil, ErrUnknownKey
	}
	if err := ks.check(t, path, client); err != nil {
		return nil, err
	}
	if t.exp < v.cfg.Now().Unix() {
		return nil, ErrExpired
	}
	if t.pl > 0 && !containedIn(path[t.pl:]) {
		return nil, ErrScope
	}
	return rest, nil
}

// check compares the token's signature with the one computed for path
// and client, in constant time.
func (ks *keyState) check(t token, path []byte, client netip.Addr) error {
	scope := path
	if t.pl > 0 {
		if t.pl > len(path) {
			return ErrScope
		}
		scope = path[:t.pl]
	}
	cp, ok := clientPrefix(client, t.cp)
	if !ok {
		return ErrTampered // bound to a prefix this client's family cannot have
	}
	st := ks.get()
	defer ks.put(st)
	n, err := sigEncoding.Decode(st.sig[:], t.sig)
	if err != nil || n != sigLen {
		return ErrMalformed
	}
	st.msg = appendMessage(st.msg[:0], t.kid, t.exp, cp, t.pl, scope)
	if !hmac.Equal(st.mac(), st.sig[:sigLen]) {
		return ErrTampered
	}
	return nil
}

// sigEncoding decodes signatures strictly: the 2 spare bits of the last
// character must be zero, so a signature has exactly one spelling
// (FuzzRoundTrip found the lenient decoder accepting 4 spellings).
var sigEncoding = base64.RawURLEncoding.Strict()

// locate finds the token in target. rest is the target without a path
// token; path is the path the token must cover (without query); tok is
// the token text.
func locate(target []byte) (rest, path, tok []byte, err error) {
	rest = target
	if len(target) > 0 && target[0] != '/' {
		if rest = absoluteRest(target); rest == nil {
			return nil, nil, nil, ErrMalformed
		}
	}
	path, query := rest, []byte(nil)
	if i := bytes.IndexAny(rest, "?#"); i >= 0 {
		path = rest[:i]
		if rest[i] == '?' {
			query = rest[i+1:]
		}
	}
	if len(path) > MaxPathLen+len(PathPrefix)+64 {
		return nil, nil, nil, ErrMalformed
	}
	if bytes.HasPrefix(path, []byte(PathPrefix)) {
		end := bytes.IndexByte(path[len(PathPrefix):], '/')
		if end < 0 {
			return nil, nil, nil, ErrMalformed
		}
		tok = path[len(PathPrefix) : len(PathPrefix)+end]
		cut := len(PathPrefix) + end
		return rest[cut:], path[cut:], tok, nil
	}
	tok, err = queryToken(query)
	return rest, path, tok, err
}

// absoluteRest returns the origin-form part of an absolute-form target
// ("http://host/p?q" → "/p?q"), or nil.
func absoluteRest(target []byte) []byte {
	i := bytes.Index(target, []byte("://"))
	if i <= 0 {
		return nil
	}
	after := target[i+3:]
	j := bytes.IndexByte(after, '/')
	if j <= 0 || bytes.ContainsAny(after[:j], "?#@") {
		return nil
	}
	return after[j:]
}

// queryToken returns the value of the one QueryParam in query.
func queryToken(query []byte) ([]byte, error) {
	var tok []byte
	found := false
	for len(query) > 0 {
		var pair []byte
		if i := bytes.IndexByte(query, '&'); i >= 0 {
			pair, query = query[:i], query[i+1:]
		} else {
			pair, query = query, nil
		}
		if len(pair) > len(QueryParam) && pair[len(QueryParam)] == '=' && string(pair[:len(QueryParam)]) == QueryParam {
			if found {
				return nil, ErrMalformed // two tokens: which one a proxy saw is unclear
			}
			tok, found = pair[len(QueryParam)+1:], true
		}
	}
	if !found {
		return nil, ErrMissing
	}
	return tok, nil
}

// containedIn reports whether rest, the part of a path after a directory
// scope, stays inside that directory once an edge has normalized it: no
// dot segment, no backslash, no percent-encoded dot, slash or backslash.
func containedIn(rest []byte) bool {
	if len(rest) > 0 && rest[0] == '.' && (len(rest) == 1 || rest[1] == '/' || rest[1] == '.' && (len(rest) == 2 || rest[2] == '/')) {
		return false // a dot segment right after the scope's "/"
	}
	if hasDotSegment(rest) || bytes.IndexByte(rest, '\\') >= 0 {
		return false
	}
	for i := bytes.IndexByte(rest, '%'); i >= 0; {
		if i+2 < len(rest) {
			switch c1, c2 := rest[i+1], rest[i+2]|0x20; {
			case c1 == '2' && (c2 == 'e' || c2 == 'f'), c1 == '5' && c2 == 'c':
				return false
			}
		}
		j := bytes.IndexByte(rest[i+1:], '%')
		if j < 0 {
			break
		}
		i += 1 + j
	}
	return true
}
