package subtitle

import (
	"bytes"
	"errors"
	"testing"
	"time"
)

// FuzzParse checks that any input either parses into a track whose
// normalised WebVTT reads back to the same cues, or fails with a line
// error; and that segmenting never loses a cue.
func FuzzParse(f *testing.F) {
	f.Add([]byte("1\n00:00:01,000 --> 00:00:02,000\nhi\n"))
	f.Add([]byte("WEBVTT\n\nSTYLE\n::cue{}\n\nid\n00:01.000 --> 00:02.000 align:start\nhi\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		tr, err := Parse(data)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) {
				t.Fatalf("error is not a *Error: %v", err)
			}
			return
		}
		out := tr.VTT()
		back, err := ParseVTT(out)
		if err != nil {
			t.Fatalf("normalised output does not parse: %v\n%s", err, out)
		}
		if !bytes.Equal(back.VTT(), out) {
			t.Fatalf("not stable:\n%s\n---\n%s", out, back.VTT())
		}
		segs := tr.Segment([]time.Duration{time.Second, 3 * time.Second})
		if n := bytes.Count(segs[0], []byte("-->")) + bytes.Count(segs[1], []byte("-->")); n < len(tr.Cues) {
			t.Fatalf("segments hold %d cues of %d", n, len(tr.Cues))
		}
	})
}
