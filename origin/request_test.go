package origin

import (
	"strings"
	"testing"
)

func TestCheckKey(t *testing.T) {
	good := []string{"/a", "/a/b.m4s", "/title/1080p/seg-00001.m4s", "/a b/ü.mp4", "/.hidden", "/a/..b", "/a%2F"}
	for _, k := range good {
		if err := checkKey(k); err != nil {
			t.Errorf("checkKey(%q) = %v, want nil", k, err)
		}
	}
	bad := []string{
		"", "/", "a/b", "//a", "/a//b", "/a/", "/.", "/..", "/../etc/passwd", "/a/../../b", "/a/./b",
		"/a\x00b", "/a\nb", "/a\x7fb", "/\xff\xfe", "/" + strings.Repeat("x", maxKeyLen),
	}
	for _, k := range bad {
		err := checkKey(k)
		if err == nil {
			t.Errorf("checkKey(%q) = nil, want ErrBadKey", k)
			continue
		}
		wantErr(t, err, ErrBadKey)
		if len(err.Error()) > 300 {
			t.Errorf("checkKey(%.20q...): error message is %d bytes long", k, len(err.Error()))
		}
	}
}

func TestSpan(t *testing.T) {
	tests := []struct {
		name              string
		off, length, size int64
		want              int64 // -1: RangeError
	}{
		{"whole", 0, -1, 100, 100},
		{"prefix", 0, 10, 100, 10},
		{"clipped", 95, 10, 100, 5},
		{"last byte", 99, -1, 100, 1},
		{"zero length", 50, 0, 100, 0},
		{"at end", 100, -1, 100, -1},
		{"past end", 101, 1, 100, -1},
		{"empty object", 0, -1, 0, 0},
		{"empty object with length", 0, 5, 0, 0},
		{"past empty object", 1, -1, 0, -1},
		{"negative", -1, 5, 100, -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Request{Key: "/k", Offset: tc.off, Length: tc.length}.span(tc.size)
			if tc.want < 0 {
				checkRangeError(t, err, 0, tc.size)
				return
			}
			if err != nil || got != tc.want {
				t.Errorf("span = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
}

func TestRangeHeader(t *testing.T) {
	tests := []struct {
		off, length int64
		want        string
	}{
		{0, 10, "bytes=0-9"},
		{5, -1, "bytes=5-"},
		{5, 0, "bytes=5-5"},
		{maxInt64 - 1, 10, "bytes=9223372036854775806-"},
		{1 << 62, 1 << 62, "bytes=4611686018427387904-"},
	}
	for _, tc := range tests {
		if got := (Request{Offset: tc.off, Length: tc.length}).rangeHeader(); got != tc.want {
			t.Errorf("rangeHeader(%d, %d) = %q, want %q", tc.off, tc.length, got, tc.want)
		}
	}
}
