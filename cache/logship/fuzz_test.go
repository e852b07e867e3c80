package logship

import (
	"bufio"
	"bytes"
	"testing"
)

// FuzzDecodeSpool: a spool file's description line and the cursor file
// decode to something usable (a sequence number from 1, offsets ≥ 0) or
// an error, never a panic: a damaged spool is removed, not trusted.
func FuzzDecodeSpool(f *testing.F) {
	for _, s := range []string{
		`{"seq":3,"lines":10,"created":"2026-12-06T10:00:00Z","file":{"dev":1,"ino":2},"end":4096}` + "\n\x1f\x8b",
		`{"stream":"0a1b2c3d4e5f6789","file":{"dev":1,"ino":2},"offset":100,"seq":4}`,
		`{"seq":0}` + "\n", `{"seq":1,"end":-5}` + "\n", "no newline", "",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		if b, err := decodeBatch(bufio.NewReader(bytes.NewReader(raw))); err == nil && (b.Seq == 0 || b.End < 0 || b.Lines < 0) {
			t.Fatalf("batch %+v accepted", b)
		}
		if c, err := decodeCursor(raw); err == nil && (c.Seq == 0 || c.Offset < 0 || c.Stream == "") {
			t.Fatalf("cursor %+v accepted", c)
		}
	})
}
