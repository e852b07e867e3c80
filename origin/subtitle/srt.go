package subtitle

import (
	"regexp"
	"strings"
)

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
	if c.Text, err = cueText(n+2, block[2:]); err != nil {
		return err
	}
	if c.Text = srtText(c.Text); c.Text == "" {
		return nil
	}
	if strings.Contains(c.Text, "-->") { // "--{\an8}>" once the tag is gone
		return lineErr(n+2, "cue text contains \"-->\"")
	}
	return t.add(n, c)
}

// assOverride matches the {\an8}-style tags some SubRip files carry
// from ASS; players would show them as text.
var assOverride = regexp.MustCompile(`\{\\[^}]*\}`)

// srtText makes SubRip text WebVTT cue text: ASS override tags dropped,
// a "<" that starts no tag (as in "a < b") escaped, as WebVTT would
// otherwise read a tag there and hide the rest of the line.
func srtText(s string) string {
	s = assOverride.ReplaceAllString(s, "")
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '<' && (i+1 == len(s) || !tagStart(s[i+1])) {
			b.WriteString("&lt;")
			continue
		}
		b.WriteByte(s[i])
	}
	var lines []string
	for l := range strings.SplitSeq(b.String(), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return strings.Join(lines, "\n")
}

func tagStart(c byte) bool {
	return c == '/' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
