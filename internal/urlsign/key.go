package urlsign

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"strings"
)

// Key is a signing key and the ID that names it in tokens.
type Key struct {
	// ID is 1 to MaxKeyIDLen characters of A-Z a-z 0-9 _ -.
	ID string
	// Secret is at least MinSecretLen bytes (32 random bytes recommended).
	Secret []byte
}

// Limits on keys.
const (
	MaxKeyIDLen  = 16
	MinSecretLen = 16
)

// Validate checks the ID's characters and the secret's length.
func (k Key) Validate() error {
	if k.ID == "" || len(k.ID) > MaxKeyIDLen || !tokenChars(k.ID) {
		return fmt.Errorf("urlsign: key ID %q: want 1 to %d characters of A-Z a-z 0-9 _ -", k.ID, MaxKeyIDLen)
	}
	if len(k.Secret) < MinSecretLen {
		return fmt.Errorf("urlsign: key %q: secret of %d bytes, want at least %d", k.ID, len(k.Secret), MinSecretLen)
	}
	return nil
}

// LoadKeys reads a keys file (see ParseKeys).
func LoadKeys(path string) ([]Key, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("urlsign: keys file: %w", err)
	}
	keys, err := ParseKeys(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return keys, nil
}

// ParseKeys parses a keys file: one key per line, "ID SECRET" with the
// secret in standard base64; blank lines and lines starting with # are
// ignored. The first key is the one a Signer built from the file signs
// with; every key verifies. Generate a line with:
//
//	echo "k$(date +%Y%m) $(head -c 32 /dev/urandom | base64)"
func ParseKeys(b []byte) ([]Key, error) {
	var keys []Key
	seen := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || line[0] == '#' {
			continue
		}
		k, err := parseKeyLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if seen[k.ID] {
			return nil, fmt.Errorf("line %d: urlsign: key ID %q given twice", n, k.ID)
		}
		seen[k.ID] = true
		keys = append(keys, k)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("urlsign: keys file: %w", err)
	}
	if len(keys) == 0 {
		return nil, errors.New("urlsign: no key in the keys file")
	}
	return keys, nil
}

func parseKeyLine(line string) (Key, error) {
	f := strings.Fields(line)
	if len(f) != 2 {
		return Key{}, errors.New(`urlsign: want "ID BASE64-SECRET"`)
	}
	secret, err := base64.StdEncoding.DecodeString(f[1])
	if err != nil {
		return Key{}, fmt.Errorf("urlsign: key %q: secret is not base64: %w", f[0], err)
	}
	k := Key{ID: f[0], Secret: secret}
	return k, k.Validate()
}

// tokenChars reports whether s is made of A-Z a-z 0-9 _ -, the
// characters of key IDs and of base64url.
func tokenChars[S ~string | ~[]byte](s S) bool {
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}
