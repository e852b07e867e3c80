package transcode

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestChunks(t *testing.T) {
	cfg := Config{SegmentDuration: 2 * time.Second, ChunkDuration: 8 * time.Second}
	s := time.Second
	cases := []struct {
		dur  time.Duration
		want string // start-end/first per chunk; end 0 means to the end
	}{
		{15 * s, ""},                                     // shorter than two chunks: whole
		{16 * s, "0s-8s/0 8s-0s/4"},                      // exactly two
		{24 * s, "0s-8s/0 8s-16s/4 16s-0s/8"},            // the test source
		{25 * s, "0s-8s/0 8s-16s/4 16s-0s/8"},            // a 1 s tail joins the last chunk
		{30 * s, "0s-8s/0 8s-16s/4 16s-24s/8 24s-0s/12"}, // a 6 s tail stands alone
	}
	for _, c := range cases {
		if got := chunkString(Chunks(c.dur, cfg)); got != c.want {
			t.Errorf("Chunks(%v) = %q, want %q", c.dur, got, c.want)
		}
	}
	// A chunk length that is not a whole number of segments rounds down.
	odd := Config{SegmentDuration: 4 * time.Second, ChunkDuration: 10 * time.Second}
	if got := chunkString(Chunks(20*s, odd)); got != "0s-8s/0 8s-16s/2 16s-0s/4" {
		t.Errorf("odd chunk length: %q", got)
	}
	if Chunks(time.Hour, Config{SegmentDuration: 4 * s, ChunkDuration: NoChunks}) != nil {
		t.Error("NoChunks chunked")
	}
	bad := Config{SegmentDuration: 4 * s, ChunkDuration: s}
	if err := bad.Validate(); err == nil {
		t.Error("a chunk shorter than a segment validated")
	}
}

func chunkString(cs []Chunk) string {
	var parts []string
	for i, c := range cs {
		if c.Index != i {
			return "bad index"
		}
		parts = append(parts, c.Start.String()+"-"+c.End.String()+"/"+strconv.Itoa(c.FirstSegment))
	}
	return strings.Join(parts, " ")
}
