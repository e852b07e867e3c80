package urlsign

import (
	"encoding/base64"
	"encoding/binary"
	"net/netip"
	"strconv"
)

// Where a token travels in a URL.
const (
	// PathPrefix starts a path that carries its token as its first
	// segment: /_vt/TOKEN/titles/t1/master.m3u8. Relative references in
	// a playlist resolve under the same segment, so every file the
	// playlist names carries the token too.
	PathPrefix = "/_vt/"
	// QueryParam is the query parameter of a token carried in the query:
	// /titles/t1/master.m3u8?vt=TOKEN.
	QueryParam = "vt"
)

// Token layout: KID.EXP.CP.PL.SIG
//
//	KID  key ID (A-Z a-z 0-9 _ -, 1 to 16)
//	EXP  expiry, Unix seconds, decimal
//	CP   client prefix length the token is bound to (0: not bound)
//	PL   scope length: 0 covers exactly the path; n > 0 covers every path
//	     whose first n bytes equal the signed path's (a directory, ending
//	     in "/")
//	SIG  HMAC-SHA256 of the message below, base64url without padding
const (
	sigLen    = 32
	sigB64Len = 43 // base64.RawURLEncoding.EncodedLen(sigLen)
	maxExpLen = 12
	// MaxPathLen is the longest path that can be signed or verified.
	MaxPathLen = 4096
	// messageLabel starts every signed message, so a signature made for
	// anything else with the same key never verifies here.
	messageLabel = "vodedge-urlsign-v1\x00"
)

// token is a parsed token; kid and sig are slices of the URL.
type token struct {
	kid []byte
	exp int64
	cp  int
	pl  int
	sig []byte
}

// parseToken splits b into its five fields, checking their syntax only.
func parseToken(b []byte) (token, bool) {
	var f [5][]byte
	n := 0
	start := 0
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] != '.' {
			continue
		}
		if n == len(f) {
			return token{}, false
		}
		f[n] = b[start:i]
		n++
		start = i + 1
	}
	if n != len(f) || len(f[0]) == 0 || len(f[0]) > MaxKeyIDLen || !tokenChars(f[0]) ||
		len(f[4]) != sigB64Len || !tokenChars(f[4]) {
		return token{}, false
	}
	exp, ok1 := parseUint(f[1], maxExpLen)
	cp, ok2 := parseUint(f[2], 3)
	pl, ok3 := parseUint(f[3], 4)
	if !ok1 || !ok2 || !ok3 || cp > 128 || pl > MaxPathLen {
		return token{}, false
	}
	return token{kid: f[0], exp: int64(exp), cp: int(cp), pl: int(pl), sig: f[4]}, true
}

// parseUint parses 1 to maxLen decimal digits.
func parseUint(b []byte, maxLen int) (uint64, bool) {
	if len(b) == 0 || len(b) > maxLen {
		return 0, false
	}
	var v uint64
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + uint64(c-'0')
	}
	return v, true
}

// appendToken appends a token's text.
func appendToken(dst []byte, kid string, exp int64, cp, pl int, sig []byte) []byte {
	dst = append(dst, kid...)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, exp, 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(cp), 10)
	dst = append(dst, '.')
	dst = strconv.AppendInt(dst, int64(pl), 10)
	dst = append(dst, '.')
	return base64.RawURLEncoding.AppendEncode(dst, sig)
}

// appendMessage appends what is signed: a label, the key ID, the expiry,
// the client prefix (its length, family and masked address; zeros when
// not bound), the scope length and the scope (the path, or its first pl
// bytes). Numbers are binary, so one set of claims has one message
// whatever digits carried them.
func appendMessage[S ~string | ~[]byte](dst []byte, kid S, exp int64, client netip.Prefix, pl int, scope S) []byte {
	dst = append(dst, messageLabel...)
	dst = append(dst, byte(len(kid)))
	dst = append(dst, kid...)
	dst = binary.BigEndian.AppendUint64(dst, uint64(exp))
	var fam byte
	var addr [16]byte
	if client.IsValid() {
		fam = 6
		if client.Addr().Is4() {
			fam = 4
		}
		addr = client.Masked().Addr().As16()
	}
	dst = append(dst, byte(client.Bits()+1), fam)
	dst = append(dst, addr[:]...)
	dst = binary.BigEndian.AppendUint16(dst, uint16(pl))
	return append(dst, scope...)
}

// clientPrefix is the prefix of length bits that contains client, or the
// zero Prefix when bits is 0. ok is false when client cannot have such a
// prefix (no address, or bits longer than its family's).
func clientPrefix(client netip.Addr, bits int) (p netip.Prefix, ok bool) {
	if bits == 0 {
		return netip.Prefix{}, true
	}
	p, err := client.Unmap().Prefix(bits)
	return p, err == nil
}
