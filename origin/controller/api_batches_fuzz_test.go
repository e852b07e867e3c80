package controller

import (
	"errors"
	"testing"
)

// FuzzParseBatchQuery: a batch's node and query give a valid name and a
// sequence number from 1, or a bad-request error.
func FuzzParseBatchQuery(f *testing.F) {
	for _, s := range [][2]string{{"ams-1", "stream=ab12&seq=3"}, {"ams-1", "seq=0&stream=x"}, {"", "stream=x&seq=1"}, {"a/b", "stream=x&seq=1"}, {"n", "%zz"}, {"n", "stream=x&seq=99999999999999999999"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, node, query string) {
		b, err := parseBatchQuery(node, query)
		if err != nil {
			if !errors.Is(err, errBadRequest) {
				t.Fatalf("%q %q: %v is not a bad request", node, query, err)
			}
			return
		}
		if b.Seq == 0 || !validBatchName(b.Node, 128) || !validBatchName(b.Stream, 64) || b.Node != node {
			t.Fatalf("%q %q accepted as %+v", node, query, b)
		}
	})
}
