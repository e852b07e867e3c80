package disktier

import (
	"encoding/hex"
	"math/rand/v2"
	"strings"
	"testing"
)

// validFileSplit is validFile as it was written before it stopped
// allocating: the reference the new one must agree with.
func validFileSplit(rel string) bool {
	parts := strings.Split(rel, "/")
	if len(parts) != 3 || len(parts[0]) != 2 || len(parts[1]) != 2 || len(parts[2]) != 24+1+16 {
		return false
	}
	name := parts[2]
	if name[24] != '-' || name[0:2] != parts[0] || name[2:4] != parts[1] {
		return false
	}
	hexOK := func(s string) bool { _, err := hex.DecodeString(s); return err == nil }
	return hexOK(name[:24]) && hexOK(name[25:])
}

// TestValidFileAgreesWithSplit checks validFile against the reference on
// real names and on names with one byte changed, cut or added.
func TestValidFileAgreesWithSplit(t *testing.T) {
	rnd := rand.New(rand.NewPCG(1, 2))
	alphabet := "0123456789abcdefABCDEFg-/x\x00"
	for i := range 2000 {
		name := fileName("/k/" + strings.Repeat("x", i%7) + string(rune('a'+i%26)))
		if !validFile(name) {
			t.Fatalf("%q: a name fileName made is not valid", name)
		}
		b := []byte(name)
		switch i % 3 {
		case 0:
			b[rnd.IntN(len(b))] = alphabet[rnd.IntN(len(alphabet))]
		case 1:
			b = b[:rnd.IntN(len(b))]
		default:
			p := rnd.IntN(len(b) + 1)
			b = append(b[:p], append([]byte{alphabet[rnd.IntN(len(alphabet))]}, b[p:]...)...)
		}
		if got, want := validFile(string(b)), validFileSplit(string(b)); got != want {
			t.Errorf("%q: validFile %v, reference %v", b, got, want)
		}
	}
	for _, s := range []string{"", "/", "ab/cd/", "AB/CD/ABCDEF0123456789ABCDEF01-0123456789ABCDEF"} {
		if got, want := validFile(s), validFileSplit(s); got != want {
			t.Errorf("%q: validFile %v, reference %v", s, got, want)
		}
	}
}
