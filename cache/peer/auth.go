package peer

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// Auth is the credential of the site's peer requests: a bearer token
// derived from the cluster key, HMAC-SHA256(key, "vodedge-peer"), so the
// key itself never travels and a node needs nothing but the key file.
// Without a key (Config.Insecure) the token is derived from the empty key:
// well known, so the peer listener is then effectively open.
type Auth struct {
	header []byte // "Bearer <token>"
}

// NewAuth derives the peer credential from the cluster key.
func NewAuth(key []byte) Auth {
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte("vodedge-peer"))
	tok := base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	return Auth{header: []byte("Bearer " + tok)}
}

// GrantAuth is the credential of a child site's requests to a parent
// site's peer listener: the controller's signed grant
// (internal/tiergrant), "Grant <token>".
func GrantAuth(token string) Auth { return Auth{header: []byte("Grant " + token)} }

// Header is the Authorization header value peer requests carry.
func (a Auth) Header() string { return string(a.header) }

// Check reports, in constant time, whether an Authorization header value
// carries the credential.
func (a Auth) Check(authorization []byte) bool {
	return len(a.header) > 0 && subtle.ConstantTimeCompare(authorization, a.header) == 1
}
