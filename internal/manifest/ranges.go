package manifest

import (
	"errors"
	"strconv"
	"strings"
)

// Span is an inclusive range of positions in an index.
type Span struct{ From, To int }

// Spans are ascending, disjoint, non-adjacent spans.
type Spans []Span

// FormatRanges writes ascending positions as ranges: "0-49,52".
func FormatRanges(pos []int) string {
	var b strings.Builder
	for i := 0; i < len(pos); {
		j := i
		for j+1 < len(pos) && pos[j+1] == pos[j]+1 {
			j++
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Itoa(pos[i]))
		if j > i {
			b.WriteByte('-')
			b.WriteString(strconv.Itoa(pos[j]))
		}
		i = j + 1
	}
	return b.String()
}

// ParseRanges parses ranges of positions below n, as FormatRanges writes
// them (ascending, disjoint, at least one position).
func ParseRanges(s string, n int) (Spans, error) {
	if s == "" {
		return nil, errors.New("no positions")
	}
	var out Spans
	last := -2
	for part := range strings.SplitSeq(s, ",") {
		a, b, isRange := strings.Cut(part, "-")
		from, err := parsePos(a)
		if err != nil {
			return nil, err
		}
		to := from
		if isRange {
			if to, err = parsePos(b); err != nil {
				return nil, err
			}
			if to <= from {
				return nil, errors.New("a range must ascend")
			}
		}
		if from <= last+1 || to >= n {
			return nil, errors.New("ranges must ascend, not touch, and stay within the index")
		}
		out = append(out, Span{from, to})
		last = to
	}
	return out, nil
}

func parsePos(s string) (int, error) {
	if s == "" || len(s) > 9 || (len(s) > 1 && s[0] == '0') {
		return 0, errors.New("a position is a decimal without leading zeros")
	}
	n := 0
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return 0, errors.New("a position is a decimal")
		}
		n = n*10 + int(c-'0')
	}
	return n, nil
}

// Set returns the spans as a membership table of n positions.
func (s Spans) Set(n int) []bool {
	out := make([]bool, n)
	for _, sp := range s {
		for i := sp.From; i <= sp.To; i++ {
			out[i] = true
		}
	}
	return out
}

// Count returns the positions the spans cover.
func (s Spans) Count() int {
	n := 0
	for _, sp := range s {
		n += sp.To - sp.From + 1
	}
	return n
}
