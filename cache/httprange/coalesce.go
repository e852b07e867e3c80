package httprange

import (
	"cmp"
	"slices"
)

// Coalesce sorts rs by Start and merges ranges that overlap, touch, or are
// separated by fewer than gap bytes (RFC 9110 §14.6 lets a server do so). It
// works in place and returns the merged prefix of rs. The ranges must be
// valid (0 <= Start <= End), as Parse returns them; a negative gap is 0.
func Coalesce(rs []Range, gap int64) []Range {
	if len(rs) < 2 {
		return rs
	}
	slices.SortFunc(rs, func(a, b Range) int { return cmp.Compare(a.Start, b.Start) })
	n := 0
	for _, r := range rs[1:] {
		if cur := &rs[n]; mergeable(*cur, r, gap) {
			cur.End = max(cur.End, r.End)
			continue
		}
		n++
		rs[n] = r
	}
	return rs[:n+1]
}

// mergeable reports whether next, which does not start before cur, overlaps
// cur, touches it, or starts fewer than gap bytes after its end.
func mergeable(cur, next Range, gap int64) bool {
	if next.Start <= cur.End {
		return true
	}
	between := next.Start - cur.End - 1 // bytes strictly between the two
	return between == 0 || between < gap
}
