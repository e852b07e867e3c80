package packager

import (
	"slices"
	"testing"
	"time"

	"github.com/vodedge/vodedge/origin/transcode"
)

// TestSubtitleDurations: the first video variant's segments give the
// durations, audio variants listed before it do not; a title without
// video gives none (instead of a panic).
func TestSubtitleDurations(t *testing.T) {
	audio := Variant{Rendition: transcode.Rendition{Name: "a", Kind: transcode.Audio},
		Segments: []Segment{{URI: "a0", DurationMS: 1000}}}
	v1 := Variant{Rendition: transcode.Rendition{Name: "v1", Kind: transcode.Video},
		Segments: []Segment{{URI: "s0", DurationMS: 4000}, {URI: "s1", DurationMS: 2500}}}
	v2 := Variant{Rendition: transcode.Rendition{Name: "v2", Kind: transcode.Video},
		Segments: []Segment{{URI: "s0", DurationMS: 6000}}}
	got := SubtitleDurations([]Variant{audio, v1, v2})
	if want := []time.Duration{4 * time.Second, 2500 * time.Millisecond}; !slices.Equal(got, want) {
		t.Errorf("durations %v, want %v", got, want)
	}
	if got := SubtitleDurations([]Variant{audio}); got != nil {
		t.Errorf("audio only: %v, want none", got)
	}
}
