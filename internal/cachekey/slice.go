package cachekey

import (
	"strconv"
	"strings"
)

// SliceKey names slice idx of the object at key, as the edge's tiers and
// the fill agent store it. Slice 0 is named by the key itself, so the
// common single-slice lookup builds no string; keys never contain NUL
// (Normalize rejects it), so the suffix cannot collide with a key.
func SliceKey(key string, idx int64) string {
	if idx == 0 {
		return key
	}
	return key + "\x00" + strconv.FormatInt(idx, 10)
}

// ObjectKey strips a slice key's suffix: the key of the object the slice
// belongs to.
func ObjectKey(sliceKey string) string {
	if i := strings.IndexByte(sliceKey, 0); i >= 0 {
		return sliceKey[:i]
	}
	return sliceKey
}
