package urlsign

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"time"
)

// Carrier says where a signed URL carries its token.
type Carrier uint8

const (
	// InPath puts the token in the first path segment (PathPrefix). With
	// ScopeDir, a playlist's relative references inherit it.
	InPath Carrier = iota
	// InQuery puts the token in the query (QueryParam). Relative
	// references in a playlist lose it.
	InQuery
)

// Scope says which paths a token covers.
type Scope uint8

const (
	// ScopeDir covers every path under the signed path's directory:
	// a title's master playlist, its renditions and their segments.
	ScopeDir Scope = iota
	// ScopeFile covers exactly the signed path.
	ScopeFile
)

// SignerConfig is how a Signer makes URLs.
type SignerConfig struct {
	// TTL is how long a signed URL stays valid. Default 6 h: longer than
	// a film, so a player does not come back mid-title.
	TTL time.Duration
	// Carrier and Scope: default InPath and ScopeDir.
	Carrier Carrier
	Scope   Scope
	// ClientBitsV4 and ClientBitsV6 bind each token to the client's
	// prefix of that length (e.g. 24 and 48); 0 leaves tokens unbound. A
	// bound URL fails on another network, including the other address
	// family of a dual-stack client.
	ClientBitsV4, ClientBitsV6 int
	// Now is the clock; nil is time.Now.
	Now func() time.Time
}

// Signer makes signed URLs with one key. It is safe for concurrent use.
type Signer struct {
	key *keyState
	cfg SignerConfig
}

// NewSigner checks k and cfg.
func NewSigner(k Key, cfg SignerConfig) (*Signer, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	if cfg.TTL == 0 {
		cfg.TTL = 6 * time.Hour
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	var errs []error
	if cfg.TTL < time.Second {
		errs = append(errs, fmt.Errorf("urlsign: TTL %v: want at least 1s", cfg.TTL))
	}
	if cfg.ClientBitsV4 < 0 || cfg.ClientBitsV4 > 32 || cfg.ClientBitsV6 < 0 || cfg.ClientBitsV6 > 128 {
		errs = append(errs, fmt.Errorf("urlsign: client prefix lengths %d/%d: want 0-32 and 0-128", cfg.ClientBitsV4, cfg.ClientBitsV6))
	}
	if cfg.Carrier > InQuery || cfg.Scope > ScopeFile {
		errs = append(errs, errors.New("urlsign: unknown carrier or scope"))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Signer{key: newKeyState(k), cfg: cfg}, nil
}

// KeyID is the ID of the signing key.
func (s *Signer) KeyID() string { return s.key.ID }

// Claims are what a token asserts.
type Claims struct {
	// Path is the URL path, escaped as it will be sent, starting with "/".
	Path    string
	Expires time.Time
	Scope   Scope
	// Client is the prefix the token is bound to; the zero Prefix binds
	// it to nothing.
	Client netip.Prefix
}

// AppendURL appends the signed form of path for a client at addr, as the
// signer is configured: path with its token, valid for TTL from now. path
// must be a valid escaped URL path (see ValidPath).
func (s *Signer) AppendURL(dst []byte, path string, client netip.Addr) []byte {
	bits := s.cfg.ClientBitsV6
	if client.Unmap().Is4() {
		bits = s.cfg.ClientBitsV4
	}
	c := Claims{Path: path, Expires: s.cfg.Now().Add(s.cfg.TTL), Scope: s.cfg.Scope}
	if p, ok := clientPrefix(client, bits); ok {
		c.Client = p
	}
	return s.AppendClaims(dst, c, s.cfg.Carrier)
}

// AppendClaims appends c.Path carrying a token for c.
func (s *Signer) AppendClaims(dst []byte, c Claims, carrier Carrier) []byte {
	pl := 0
	if c.Scope == ScopeDir {
		pl = strings.LastIndexByte(c.Path, '/') + 1
	}
	scope := c.Path
	if pl > 0 {
		scope = c.Path[:pl]
	}
	exp := c.Expires.Unix()
	st := s.key.get()
	st.msg = appendMessage(st.msg[:0], s.key.ID, exp, c.Client, pl, scope)
	sig := st.mac()
	cp := max(c.Client.Bits(), 0)
	if carrier == InPath {
		dst = append(dst, PathPrefix...)
		dst = appendToken(dst, s.key.ID, exp, cp, pl, sig)
		dst = append(dst, c.Path...)
	} else {
		dst = append(dst, c.Path...)
		dst = append(dst, '?')
		dst = append(dst, QueryParam...)
		dst = append(dst, '=')
		dst = appendToken(dst, s.key.ID, exp, cp, pl, sig)
	}
	s.key.put(st)
	return dst
}

// ValidPath reports whether p can be signed as it is: an absolute path
// of at most MaxPathLen bytes made of unreserved characters, "/" and the
// sub-delimiters RFC 3986 allows in a path, with no empty, "." or ".."
// segment. Anything else (percent escapes included) would need escaping
// that the signer leaves to the caller, so it is refused.
func ValidPath(p string) bool {
	if len(p) == 0 || p[0] != '/' || len(p) > MaxPathLen || strings.HasPrefix(p, PathPrefix) {
		return false
	}
	for i := 0; i < len(p); i++ {
		if !pathChar[p[i]] {
			return false
		}
	}
	return !hasDotSegment(p) && !strings.Contains(p, "//")
}

// hasDotSegment reports whether path has a "." or ".." segment.
func hasDotSegment[S ~string | ~[]byte](p S) bool {
	for i := 0; i < len(p); i++ {
		if p[i] != '/' {
			continue
		}
		j := i + 1
		for j < len(p) && p[j] == '.' {
			j++
		}
		if n := j - i - 1; (n == 1 || n == 2) && (j == len(p) || p[j] == '/' || p[j] == '?') {
			return true
		}
	}
	return false
}

var pathChar = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = isTokenChar(byte(c))
	}
	for _, c := range []byte("/.~!$&'()*+,;=:@") {
		t[c] = true
	}
	return t
}()
