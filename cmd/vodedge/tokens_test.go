package main

import (
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/pflag"

	"github.com/vodedge/vodedge/cache/edge"
)

// TestTokenFilesFailAtStartUp: every flag naming a token file is read at
// start-up; a missing or empty file is an error naming the flag (the
// fill client once dropped it silently and polled without a token).
func TestTokenFilesFailAtStartUp(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	fillWith := func(file string) (*edge.Fill, error) {
		f := &fillOpts{}
		f.bind(pflag.NewFlagSet("edge", pflag.ContinueOnError))
		pub, _, _ := ed25519.GenerateKey(nil)
		f.publicKey, f.tokenFile = base64.StdEncoding.EncodeToString(pub), file
		o := &edgeOpts{}
		o.disk.bytes = 1 << 30
		return f.config(o)
	}
	for _, file := range []string{filepath.Join(dir, "missing"), empty} {
		if _, err := fillWith(file); err == nil || !strings.Contains(err.Error(), "--manifest-token-file") {
			t.Errorf("fill with token file %s: err %v, want one naming --manifest-token-file", file, err)
		}
	}
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("a-token-of-enough-characters\n"), 0o600)
	if f, err := fillWith(good); err != nil || f.Token != "a-token-of-enough-characters" {
		t.Fatalf("fill with a good token file: %v, token %+v", err, f)
	}
	if toks, err := readTokens("x", ""); toks != nil || err != nil {
		t.Fatalf("no file: %v %v", toks, err)
	}
}
