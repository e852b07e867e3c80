package manifest

import (
	"crypto/ed25519"
	"testing"
)

// FuzzParsePublicKey: a public key that parses is 32 bytes.
func FuzzParsePublicKey(f *testing.F) {
	for _, s := range []string{"11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "", "AAAA", "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo", "!!!"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		k, err := ParsePublicKey(s)
		if err != nil {
			return
		}
		if len(k) != ed25519.PublicKeySize {
			t.Fatalf("%d-byte key", len(k))
		}
	})
}
