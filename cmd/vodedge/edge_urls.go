package main

import (
	"fmt"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache/edge"
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

// check reads the URL-signing keys; without them signed URLs are not
// checked (steering's path tokens are still stripped).
func (u *urlOpts) check() (edge.URLCheck, error) {
	c := edge.URLCheck{Verify: u.verify}
	if u.keysFile == "" {
		return c, nil
	}
	k, err := urlsign.LoadKeys(u.keysFile)
	if err != nil {
		return c, fmt.Errorf("--url-keys: %w", err)
	}
	c.Keys = k
	return c, nil
}
