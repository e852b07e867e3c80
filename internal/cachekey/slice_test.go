package cachekey

import "testing"

func TestSliceKeyRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		key  string
		idx  int64
		want string
	}{
		{"/a/seg.m4s", 0, "/a/seg.m4s"},
		{"/a/seg.m4s", 1, "/a/seg.m4s\x001"},
		{"/big.mp4", 4096, "/big.mp4\x004096"},
	} {
		got := SliceKey(tc.key, tc.idx)
		if got != tc.want || ObjectKey(got) != tc.key {
			t.Errorf("SliceKey(%q, %d) = %q (object %q); want %q", tc.key, tc.idx, got, ObjectKey(got), tc.want)
		}
	}
}
