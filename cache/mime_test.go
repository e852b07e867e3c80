package cache

import "testing"

func TestContentTypeChoice(t *testing.T) {
	for _, tc := range []struct{ key, origin, want string }{
		{"/t/master.m3u8", "audio/x-mpegurl", "application/vnd.apple.mpegurl"},
		{"/t/seg.ts", "text/vnd.trolltech.linguist", "video/mp2t"},
		{"/t/seg.M4S", "", "video/iso.segment"},
		{"/t/poster.webp", "image/webp", "image/webp"},
		{"/t/info.json", "binary/octet-stream", "application/json"},
		{"/t/info.json", "", "application/json"},
		{"/t/blob", "", "application/octet-stream"},
		{"/t/blob", "application/x-custom", "application/x-custom"},
		{"/t/readme.txt", "text/markdown", "text/markdown"},
	} {
		if got := contentType(tc.key, tc.origin); got != tc.want {
			t.Errorf("contentType(%q, %q) = %q, want %q", tc.key, tc.origin, got, tc.want)
		}
	}
}
