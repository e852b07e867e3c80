package manifest

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// Format is the version of the document layout a header announces.
const Format = 2

// Header is the signed first line of a manifest document.
type Header struct {
	Format  int       `json:"format"`
	Version int64     `json:"version"`
	Site    string    `json:"site"`
	Created time.Time `json:"created"`
	// Base is, for a delta, the version it applies to; 0 for a full
	// manifest.
	Base int64 `json:"base,omitempty"`
	// Groups is the number of group lines that follow; Total the number
	// in the full manifest (equal unless a delta).
	Groups int `json:"groups"`
	Total  int `json:"total"`
	// Body is the hex SHA-256 of the group lines that follow, Result that
	// of the full manifest's group lines (equal unless a delta).
	Body   string `json:"body"`
	Result string `json:"result"`
}

// signedHeader is the header line as it travels.
type signedHeader struct {
	Header    json.RawMessage `json:"header"`
	Signature string          `json:"signature"`
}

func (h *Header) validate() error {
	bad := func(f string, a ...any) error {
		return fmt.Errorf("%w: header: "+f, append([]any{ErrMalformed}, a...)...)
	}
	switch {
	case h.Format != Format:
		return bad("format %d, this node reads %d", h.Format, Format)
	case h.Version <= 0:
		return bad("version must be positive")
	case h.Site == "":
		return bad("no site")
	case h.Base < 0 || (h.Base > 0 && h.Base >= h.Version):
		return bad("base %d must be older than version %d", h.Base, h.Version)
	case h.Groups < 0 || h.Total < 0 || h.Total > MaxEntries || h.Groups > MaxEntries:
		return bad("group counts out of range")
	case h.Base == 0 && (h.Groups != h.Total || h.Body != h.Result):
		return bad("a full manifest's body is its result")
	case len(h.Body) != 64 || !isHex(h.Body) || len(h.Result) != 64 || !isHex(h.Result):
		return bad("body and result must be hex SHA-256")
	}
	return nil
}

// signHeader returns the header's line (with its newline).
func signHeader(h *Header, key ed25519.PrivateKey) ([]byte, error) {
	if err := h.validate(); err != nil {
		return nil, err
	}
	raw, err := json.Marshal(h)
	if err != nil {
		return nil, err
	}
	line, err := json.Marshal(signedHeader{Header: raw, Signature: base64.StdEncoding.EncodeToString(ed25519.Sign(key, raw))})
	return append(line, '\n'), err
}

// openHeader verifies a header line (without its newline) with pub and
// decodes it. The signature is checked before the header is read.
func openHeader(line []byte, pub ed25519.PublicKey) (*Header, error) {
	var env signedHeader
	if err := json.Unmarshal(line, &env); err != nil {
		return nil, fmt.Errorf("%w: header line: %v", ErrMalformed, err)
	}
	sig, err := base64.StdEncoding.DecodeString(env.Signature)
	if err != nil || len(sig) != ed25519.SignatureSize {
		return nil, fmt.Errorf("%w: signature is not %d base64 bytes", ErrSignature, ed25519.SignatureSize)
	}
	if len(pub) != ed25519.PublicKeySize || !ed25519.Verify(pub, env.Header, sig) {
		return nil, fmt.Errorf("%w: does not verify with the configured public key", ErrSignature)
	}
	dec := json.NewDecoder(bytes.NewReader(env.Header))
	dec.DisallowUnknownFields()
	var h Header
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("%w: header: %v", ErrMalformed, err)
	}
	if err := h.validate(); err != nil {
		return nil, err
	}
	return &h, nil
}
