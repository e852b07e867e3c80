package packager

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin/transcode"
)

// writePart writes a fake encoded chunk: a playlist of n 2 s segments
// numbered from first, an init segment with the given bytes, and the
// segment files.
func writePart(t *testing.T, init string, first, n int) string {
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI=\"init.mp4\"\n")
	for i := first; i < first+n; i++ {
		name := fmt.Sprintf(transcode.SegmentPattern, i)
		fmt.Fprintf(&b, "#EXTINF:2.000000,\n%s\n", name)
		os.WriteFile(filepath.Join(dir, name), []byte("segment "+name), 0o644)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	os.WriteFile(filepath.Join(dir, transcode.PlaylistFile), []byte(b.String()), 0o644)
	os.WriteFile(filepath.Join(dir, transcode.InitFile), []byte(init), 0o644)
	return dir
}

func chunk(i, first int, start time.Duration) transcode.Chunk {
	return transcode.Chunk{Index: i, Start: start, FirstSegment: first}
}

func TestJoinRefusesBadChunks(t *testing.T) {
	good := func() []Part {
		return []Part{{writePart(t, "init", 0, 4), chunk(0, 0, 0)}, {writePart(t, "init", 4, 2), chunk(1, 4, 8*time.Second)}}
	}
	cases := []struct {
		name  string
		parts func() []Part
		want  string
	}{
		{"init differs", func() []Part { p := good(); p[1].Dir = writePart(t, "other", 4, 2); return p }, "init.mp4 differs"},
		{"numbers skip", func() []Part { p := good(); p[1].Dir = writePart(t, "init", 5, 2); return p }, `is "seg-00005.m4s", want "seg-00004.m4s"`},
		{"gap in time", func() []Part { p := good(); p[1].Chunk.Start = 10 * time.Second; return p }, "starts at 10s but the chunks before it end at 8s"},
		{"first segment", func() []Part { p := good(); p[1].Chunk.FirstSegment = 3; return p }, "starts at segment 3, want 4"},
		{"out of order", func() []Part { p := good(); p[0], p[1] = p[1], p[0]; return p }, "part 0 is chunk 1"},
		{"missing chunk", func() []Part { p := good(); os.Remove(filepath.Join(p[1].Dir, transcode.PlaylistFile)); return p }, "chunk 1"},
		{"none", func() []Part { return nil }, "no chunks"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dst := t.TempDir()
			_, err := Join(dst, 30, c.parts())
			if !errors.Is(err, ErrJoin) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want ErrJoin with %q", err, c.want)
			}
			if left, _ := os.ReadDir(dst); len(left) != 0 {
				t.Errorf("a refused join wrote %d files", len(left))
			}
		})
	}
	dst := t.TempDir()
	out, err := Join(dst, 30, good())
	if err != nil || out.Segments != 6 {
		t.Fatalf("good join: %+v, %v", out, err)
	}
	f, _ := os.Open(filepath.Join(dst, transcode.PlaylistFile))
	defer f.Close()
	pl, err := ParsePlaylist(f)
	if err != nil || len(pl.Segments) != 6 || pl.DurationMS() != 12_000 || pl.Segments[5].URI != "seg-00005.m4s" {
		t.Fatalf("joined playlist %+v, %v", pl, err)
	}
}
