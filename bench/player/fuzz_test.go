package player

import (
	"bytes"
	"slices"
	"strings"
	"testing"
)

// FuzzParseMaster: any bytes an edge returns as a master playlist give
// variants sorted by bandwidth with absolute URIs, or ErrPlaylist; never
// a panic.
func FuzzParseMaster(f *testing.F) {
	f.Add([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/index.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=200000\n180p/index.m3u8\n"), "/titles/t1/master.m3u8")
	f.Add([]byte("#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=x\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../../../../a\n"), "/a/b.m3u8")
	f.Add([]byte("#EXTM3U\r\n#EXT-X-STREAM-INF:CODECS=\"avc1,mp4a\",BANDWIDTH=9223372036854775807\r\nhttp://other.example/x.m3u8\r\n"), "/m.m3u8")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		vs, err := ParseMaster(bytes.NewReader(data), path)
		if err != nil {
			return
		}
		if len(vs) == 0 || !slices.IsSortedFunc(vs, func(a, b Variant) int { return a.Bandwidth - b.Bandwidth }) {
			t.Fatalf("variants %v", vs)
		}
		for _, v := range vs {
			if v.URI == "" || strings.HasPrefix(path, "/") && !strings.HasPrefix(v.URI, "/") {
				t.Fatalf("URI %q resolved against %q", v.URI, path)
			}
		}
	})
}

// FuzzParseMedia: any media playlist gives segments with a positive
// duration under an hour, or ErrPlaylist.
func FuzzParseMedia(f *testing.F) {
	f.Add([]byte("#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.000,\nseg-00000.m4s\n#EXTINF:3.2,\nseg-00001.m4s\n#EXT-X-ENDLIST\n"), "/titles/t1/360p/index.m3u8")
	f.Add([]byte("#EXTM3U\n#EXTINF:NaN,\nx\n#EXTINF:1e308,\ny\n#EXTINF:-1,\nz\n"), "/p.m3u8")
	f.Add([]byte("#EXTM3U\nseg-without-extinf.m4s\n"), "/p.m3u8")
	f.Fuzz(func(t *testing.T, data []byte, path string) {
		segs, err := ParseMedia(bytes.NewReader(data), path)
		if err != nil {
			return
		}
		for _, s := range segs {
			if s.Duration <= 0 || s.Duration.Hours() >= 1 || s.URI == "" {
				t.Fatalf("segment %+v", s)
			}
		}
	})
}
