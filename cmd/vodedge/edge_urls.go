package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/internal/urlsign"
)

// urlOpts are the edge's signed-URL flags.
type urlOpts struct {
	keysFile string
	verify   bool
}

func (u *urlOpts) bind(f *pflag.FlagSet) {
	f.StringVar(&u.keysFile, "url-keys", "", "file of URL-signing keys (`ID BASE64` per line, the same file as steering's --url-keys); turns the check of signed URLs on: a missing, expired, tampered or unknown-key token gets 403")
	f.BoolVar(&u.verify, "url-verify", true, "check signed URLs when --url-keys is set; false strips tokens without checking them (a lab setup)")
}

// verifier returns the edge's URL verifier. Without keys it is disabled
// but still strips steering's path tokens, so steered URLs resolve.
func (u *urlOpts) verifier() (*urlsign.Verifier, error) {
	var keys []urlsign.Key
	if u.keysFile != "" {
		k, err := urlsign.LoadKeys(u.keysFile)
		if err != nil {
			return nil, fmt.Errorf("--url-keys: %w", err)
		}
		keys = k
	}
	return urlsign.NewVerifier(keys, urlsign.VerifierConfig{Disabled: keys == nil || !u.verify})
}
