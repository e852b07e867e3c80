package subtitle

import (
	"bytes"
	"slices"
	"strings"
)

// Parse reads a WebVTT file (it starts with "WEBVTT") or else a SubRip
// file.
func Parse(data []byte) (*Track, error) {
	if bytes.HasPrefix(bytes.TrimPrefix(data, []byte("\xef\xbb\xbf")), []byte("WEBVTT")) {
		return ParseVTT(data)
	}
	return ParseSRT(data)
}

// blockReader walks blank-line separated blocks, tracking line numbers.
type blockReader struct {
	lines []string
	i     int // index of the next line
}

// next returns the next block's lines and the 1-based number of its
// first line; ok is false at the end.
func (b *blockReader) next() (block []string, first int, ok bool) {
	for b.i < len(b.lines) && blank(b.lines[b.i]) {
		b.i++
	}
	if b.i == len(b.lines) {
		return nil, 0, false
	}
	first = b.i + 1
	for b.i < len(b.lines) && !blank(b.lines[b.i]) {
		block = append(block, b.lines[b.i])
		b.i++
	}
	return block, first, true
}

// cueText checks the text lines of a cue starting at line n.
func cueText(n int, text []string) (string, error) {
	for i, l := range text {
		if err := checkText(n+i, l); err != nil {
			return "", err
		}
	}
	return strings.Join(text, "\n"), nil
}

// finish sorts the cues and checks that there are some.
func (t *Track) finish(lastLine int) (*Track, error) {
	if len(t.Cues) == 0 {
		return nil, lineErr(lastLine, "no cues in the file")
	}
	slices.SortStableFunc(t.Cues, func(a, b Cue) int { return int((a.Start - b.Start).Milliseconds()) })
	return t, nil
}

// add appends a cue, bounding their number.
func (t *Track) add(n int, c Cue) error {
	if len(t.Cues) == MaxCues {
		return lineErr(n, "more than %d cues", MaxCues)
	}
	t.Cues = append(t.Cues, c)
	return nil
}
