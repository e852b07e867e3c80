package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTokenFilesFailAtStartUp: every flag naming a token file is read at
// start-up; a missing or empty file is an error naming the flag (the
// fill client once dropped it silently and polled without a token).
func TestTokenFilesFailAtStartUp(t *testing.T) {
	dir := t.TempDir()
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, nil, 0o600)
	for _, file := range []string{filepath.Join(dir, "missing"), empty} {
		f := &fillOpts{tokenFile: file}
		if _, err := f.client(); err == nil || !strings.Contains(err.Error(), "--manifest-token-file") {
			t.Errorf("fill client with token file %s: err %v, want one naming --manifest-token-file", file, err)
		}
	}
	good := filepath.Join(dir, "good")
	os.WriteFile(good, []byte("a-token-of-enough-characters\n"), 0o600)
	if c, err := (&fillOpts{tokenFile: good}).client(); err != nil || c.Transport == nil {
		t.Fatalf("fill client with a good token file: %v, transport %v", err, c.Transport)
	}
	if toks, err := readTokens("x", ""); toks != nil || err != nil {
		t.Fatalf("no file: %v %v", toks, err)
	}
}
