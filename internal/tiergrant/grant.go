package tiergrant

import (
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Errors a verifier classifies.
var (
	ErrMalformed = errors.New("tiergrant: malformed")
	ErrSignature = errors.New("tiergrant: bad signature")
	ErrExpired   = errors.New("tiergrant: expired")
	ErrNotParent = errors.New("tiergrant: not a parent of the granted site")
)

// MaxTokenBytes bounds a token: it travels in a request header.
const MaxTokenBytes = 2048

// Grant lets the nodes of Site fetch from the peer listeners of the
// nodes of Parents until Expires.
type Grant struct {
	Site    string    `json:"site"`
	Parents []string  `json:"parents"`
	Expires time.Time `json:"expires"`
}

func (g *Grant) validate() error {
	bad := func(f string, a ...any) error { return fmt.Errorf("%w: "+f, append([]any{ErrMalformed}, a...)...) }
	switch {
	case !validName(g.Site):
		return bad("site %q", g.Site)
	case len(g.Parents) == 0 || len(g.Parents) > 16:
		return bad("1 to 16 parents, got %d", len(g.Parents))
	case g.Expires.IsZero():
		return bad("no expiry")
	}
	for _, p := range g.Parents {
		if !validName(p) || p == g.Site {
			return bad("parent %q", p)
		}
	}
	return nil
}

// CheckName refuses a site or node name a grant or directory cannot
// carry (empty, over 128 bytes, spaces, control characters, "/", "."
// or "..").
func CheckName(s string) error {
	if !validName(s) {
		return fmt.Errorf("%w: name %q: 1 to 128 printable bytes without spaces or /", ErrMalformed, s)
	}
	return nil
}

// validName is a site name as the registry takes it: short, printable,
// no separator the controller's routes use.
func validName(s string) bool {
	return s != "" && s != "." && s != ".." && len(s) <= 128 && !strings.ContainsFunc(s, func(r rune) bool {
		return r <= ' ' || r == 0x7f || r == '/'
	})
}

// Sign returns g's token, signed with key.
func Sign(g Grant, key ed25519.PrivateKey) (string, error) {
	if err := g.validate(); err != nil {
		return "", err
	}
	raw, err := json.Marshal(g)
	if err != nil {
		return "", err
	}
	enc := base64.RawURLEncoding
	tok := enc.EncodeToString(raw) + "." + enc.EncodeToString(ed25519.Sign(key, raw))
	if len(tok) > MaxTokenBytes {
		return "", fmt.Errorf("%w: token of %d bytes, more than %d", ErrMalformed, len(tok), MaxTokenBytes)
	}
	return tok, nil
}

// Open verifies a token with pub (before decoding what it says) and
// returns its grant. It does not judge expiry: see Allows.
func Open(token string, pub ed25519.PublicKey) (*Grant, error) {
	if len(token) > MaxTokenBytes {
		return nil, fmt.Errorf("%w: token of %d bytes", ErrMalformed, len(token))
	}
	body, sig, ok := strings.Cut(token, ".")
	enc := base64.RawURLEncoding
	raw, err1 := enc.DecodeString(body)
	s, err2 := enc.DecodeString(sig)
	if !ok || err1 != nil || err2 != nil {
		return nil, fmt.Errorf("%w: not base64url(grant).base64url(signature)", ErrMalformed)
	}
	if len(pub) != ed25519.PublicKeySize || len(s) != ed25519.SignatureSize || !ed25519.Verify(pub, raw, s) {
		return nil, fmt.Errorf("%w: does not verify with the manifest public key", ErrSignature)
	}
	var g Grant
	if err := strictJSON(raw, &g); err != nil {
		return nil, err
	}
	if err := g.validate(); err != nil {
		return nil, err
	}
	return &g, nil
}

// Allows reports whether the grant lets its site fetch from a node of
// site parent at now.
func (g *Grant) Allows(parent string, now time.Time) error {
	if !slices.Contains(g.Parents, parent) {
		return fmt.Errorf("%w: site %s may fetch from %v, this is %s", ErrNotParent, g.Site, g.Parents, parent)
	}
	if !now.Before(g.Expires) {
		return fmt.Errorf("%w: site %s's grant expired at %s", ErrExpired, g.Site, g.Expires.UTC().Format(time.RFC3339))
	}
	return nil
}

// Check is what a parent's peer listener does with an Authorization
// header value: "Grant <token>", verified, allowing site at now.
func Check(authorization string, pub ed25519.PublicKey, site string, now time.Time) error {
	tok, ok := strings.CutPrefix(authorization, "Grant ")
	if !ok {
		return fmt.Errorf("%w: no grant", ErrMalformed)
	}
	g, err := Open(tok, pub)
	if err != nil {
		return err
	}
	return g.Allows(site, now)
}
