package trace

import (
	"cmp"
	"slices"
)

// TopKeys returns the n keys with the largest weights, largest first
// (ties broken by key, so the order is deterministic).
func TopKeys(weights map[string]int64, n int) []string {
	keys := make([]string, 0, len(weights))
	for k := range weights {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if c := cmp.Compare(weights[b], weights[a]); c != 0 {
			return c
		}
		return cmp.Compare(a, b)
	})
	return keys[:min(n, len(keys))]
}
