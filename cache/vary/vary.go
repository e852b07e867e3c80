// Package vary computes the secondary cache key of a response that
// carries Vary (RFC 9111 §4.1): the request header fields it nominates,
// normalized, hashed into a short key suffix.
//
// Normalization: field lines of one name are combined with ", ", each
// list member is trimmed of whitespace, empty members are dropped, and
// the values of fields whose tokens are case-insensitive (Accept,
// Accept-Encoding, Accept-Language, Accept-Charset, Origin) are lower-
// cased; other fields keep their case, since an origin may vary on it. An
// absent field differs from an empty one. The key is SHA-256 of the
// normalized fields, truncated to 128 bits: a client cannot craft
// header values whose variant collides with another's.
//
// It imports the standard library only; parsers never panic and are
// fuzzed.
package vary

import (
	"crypto/sha256"
	"encoding/hex"
	"net/textproto"
	"slices"
	"strings"
)

// MaxNames bounds the fields one Vary may nominate; a response naming
// more is treated like Vary: * (not stored).
const MaxNames = 16

// Parse returns the field names the Vary field lines nominate, in
// canonical form (textproto), sorted and without duplicates, and whether
// they include "*" or more than MaxNames names (star).
func Parse(lines []string) (names []string, star bool) {
	for _, l := range lines {
		for f := range strings.SplitSeq(l, ",") {
			f = strings.TrimSpace(f)
			switch {
			case f == "*":
				return nil, true
			case f == "" || !validName(f):
				continue
			}
			names = append(names, textproto.CanonicalMIMEHeaderKey(f))
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	if len(names) > MaxNames {
		return nil, true
	}
	return names, false
}

func validName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`"(),/:;<=>?@[\]{}`, c) >= 0 {
			return false
		}
	}
	return true
}

// caseless are the fields whose values compare case-insensitively.
var caseless = map[string]bool{
	"Accept": true, "Accept-Encoding": true, "Accept-Language": true, "Accept-Charset": true, "Origin": true,
}

// Normalize returns the normalized value of a field given as its lines;
// ok is false when the field is absent (no lines).
func Normalize(name string, lines []string) (string, bool) {
	if len(lines) == 0 {
		return "", false
	}
	var b strings.Builder
	for _, l := range lines {
		for m := range strings.SplitSeq(l, ",") {
			if m = strings.TrimSpace(m); m == "" {
				continue
			}
			if b.Len() > 0 {
				b.WriteString(", ")
			}
			b.WriteString(collapseSpace(m))
		}
	}
	if caseless[name] {
		return strings.ToLower(b.String()), true
	}
	return b.String(), true
}

// collapseSpace turns runs of spaces and tabs into one space.
func collapseSpace(s string) string {
	if !strings.ContainsAny(s, "\t") && !strings.Contains(s, "  ") {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// Key returns the variant key suffix for the request whose header lines
// get returns (nil when absent), under the nominated names.
func Key(names []string, get func(name string) []string) string {
	h := sha256.New()
	for _, n := range names {
		v, ok := Normalize(n, get(n))
		h.Write([]byte(n))
		if ok {
			h.Write([]byte{':'})
			h.Write([]byte(v))
		}
		h.Write([]byte{0})
	}
	var sum [sha256.Size]byte
	return hex.EncodeToString(h.Sum(sum[:0])[:16])
}
