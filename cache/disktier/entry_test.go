package disktier

import (
	"testing"
)

func FuzzParseHashEntry(f *testing.F) {
	r := &Record{Key: "/k", Length: 5000, Pinned: true}
	f.Add(hashKey(42, r.Key), hashVal(r))
	f.Add([]byte("h/"), []byte{1})
	f.Fuzz(func(t *testing.T, k, v []byte) {
		h, size, _, ok := parseHashEntry(k, v)
		if !ok {
			return
		}
		if size < 0 || size%4096 != 0 || string(hashKeyPrefix(h)) != string(k[:len(hashPrefix)+8]) {
			t.Fatalf("%q %q: hash %x, size %d", k, v, h, size)
		}
	})
}
