package subtitle

import (
	"strings"
)

// ParseVTT reads a WebVTT file.
func ParseVTT(data []byte) (*Track, error) {
	ls, err := lines(data)
	if err != nil {
		return nil, err
	}
	if err := checkSignature(ls[0]); err != nil {
		return nil, err
	}
	r := &blockReader{lines: ls}
	r.next() // the header block: signature and header lines
	t := &Track{}
	for {
		block, n, ok := r.next()
		if !ok {
			return t.finish(len(ls))
		}
		if err := t.vttBlock(n, block); err != nil {
			return nil, err
		}
	}
}

func checkSignature(first string) error {
	rest, ok := strings.CutPrefix(first, "WEBVTT")
	if !ok || rest != "" && rest[0] != ' ' && rest[0] != '\t' {
		return lineErr(1, "a WebVTT file starts with \"WEBVTT\", got %q", clip(first))
	}
	return nil
}

// vttBlock reads one block starting at line n: a NOTE (dropped), a STYLE
// or REGION block (kept, before the first cue only), or a cue.
func (t *Track) vttBlock(n int, block []string) error {
	head := block[0]
	switch {
	case keyword(head, "NOTE"):
		return nil
	case keyword(head, "STYLE"), keyword(head, "REGION"):
		if len(t.Cues) > 0 {
			return lineErr(n, "%s block after the first cue", strings.Fields(head)[0])
		}
		t.Blocks = append(t.Blocks, strings.Join(block, "\n"))
		return nil
	}
	id := ""
	if !strings.Contains(head, "-->") {
		id, block, n = head, block[1:], n+1
		if len(block) == 0 {
			return lineErr(n-1, "cue %q has no timing line after it", clip(id))
		}
	}
	c, err := parseTiming(n, block[0], false)
	if err != nil {
		return err
	}
	c.ID = id
	if c.Text, err = cueText(n+1, block[1:]); err != nil || c.Text == "" {
		return err // an empty cue shows nothing: dropped
	}
	return t.add(n, c)
}

// keyword reports whether line is word alone or followed by a space or tab.
func keyword(line, word string) bool {
	rest, ok := strings.CutPrefix(line, word)
	return ok && (rest == "" || rest[0] == ' ' || rest[0] == '\t')
}
