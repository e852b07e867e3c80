package cluster

import (
	"bytes"
	"encoding/base64"
	"testing"
)

// FuzzParseKey: a key file either decodes to 16, 24 or 32 bytes that
// encode back to its trimmed contents, or is refused.
func FuzzParseKey(f *testing.F) {
	for _, s := range []string{"MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=\n", "MDEyMzQ1Njc4OWFiY2RlZg==", " \tMDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3\r\n", "not base64", "", "===="} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		key, err := ParseKey(b)
		if err != nil {
			return
		}
		if !validKeyLen(len(key)) {
			t.Fatalf("%d-byte key accepted", len(key))
		}
		if enc := base64.StdEncoding.EncodeToString(key); enc != string(bytes.TrimSpace(b)) {
			t.Fatalf("key %q decoded to %d bytes that encode as %q", b, len(key), enc)
		}
	})
}
