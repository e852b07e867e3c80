package subtitle

import "strings"

// ParseSRT reads a SubRip file: blocks of a cue number, a timing line
// (00:00:01,000 --> 00:00:02,500, position coordinates after it
// ignored) and text lines.
func ParseSRT(data []byte) (*Track, error) {
	ls, err := lines(data)
	if err != nil {
		return nil, err
	}
	r := &blockReader{lines: ls}
	t := &Track{}
	for {
		block, n, ok := r.next()
		if !ok {
			return t.finish(len(ls))
		}
		if err := t.srtBlock(n, block); err != nil {
			return nil, err
		}
	}
}

func (t *Track) srtBlock(n int, block []string) error {
	num := strings.TrimSpace(block[0])
	if _, ok := digits(num, 1, 9); !ok {
		if strings.Contains(num, "-->") {
			return lineErr(n, "cue has no number before its timing line")
		}
		return lineErr(n, "want a cue number, got %q (is this a SubRip or WebVTT file?)", clip(num))
	}
	if len(block) < 2 {
		return lineErr(n, "cue %s has no timing line", num)
	}
	c, err := parseTiming(n+1, block[1], true)
	if err != nil {
		return err
	}
	if c.Text, err = cueText(n+2, block[2:]); err != nil || c.Text == "" {
		return err
	}
	return t.add(n, c)
}
