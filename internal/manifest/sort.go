package manifest

import (
	"cmp"
	"slices"
)

func sortByPriority(es []Entry) {
	slices.SortStableFunc(es, func(a, b Entry) int { return cmp.Compare(a.Priority, b.Priority) })
}
