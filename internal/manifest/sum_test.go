package manifest

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"
)

// TestIndexChecksums: an index built now carries the first 128 bits of
// each SHA-256; one carrying whole sums (as before) still parses; any
// other length, upper case or non-hex is refused; a file matches its
// checksum of either length and nothing else.
func TestIndexChecksums(t *testing.T) {
	sum := sha256.Sum256([]byte("segment"))
	full := hex.EncodeToString(sum[:])
	groups, idx, err := Groups(&Manifest{Version: 1, Site: "ams", Entries: []Entry{{Key: "/titles/a/v/seg-1.m4s", Size: 7, SHA256: strings.ToUpper(full), Priority: 1, Copies: 1, Nodes: []string{"n1"}}}})
	if err != nil || len(groups) != 1 {
		t.Fatal(groups, err)
	}
	line := string(idx[groups[0].Index])
	if line != full[:SumDigits]+" 7 seg-1.m4s\n" {
		t.Fatalf("index line %q, want the first %d digits of %s", line, SumDigits, full)
	}
	for _, s := range []string{full[:SumDigits], full} {
		if _, err := ParseIndex([]byte(s + " 7 seg-1.m4s\n")); err != nil {
			t.Errorf("checksum of %d digits refused: %v", len(s), err)
		}
		if !SumMatches(full, s) || !SumMatches(full, strings.ToUpper(s)) {
			t.Errorf("%s does not match its own checksum %s", full, s)
		}
	}
	other := sha256.Sum256([]byte("other"))
	if SumMatches(hex.EncodeToString(other[:]), full[:SumDigits]) || SumMatches(full, full[:SumDigits-1]) || SumMatches(full, full[:40]) || SumMatches(full[:SumDigits], full[:SumDigits]) {
		t.Error("a checksum matched what it is not")
	}
	for _, s := range []string{full[:31], full[:40], strings.ToUpper(full[:SumDigits]), "g" + full[1:SumDigits], full + "0"} {
		if _, err := ParseIndex([]byte(s + " 7 seg-1.m4s\n")); err == nil {
			t.Errorf("checksum %q accepted", s)
		}
	}
}
