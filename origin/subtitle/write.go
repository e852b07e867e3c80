package subtitle

import (
	"strings"
	"time"
)

// timestampMap is the header line of every segment: cue times are on
// the media timeline (see the package comment).
const timestampMap = "X-TIMESTAMP-MAP=MPEGTS:0,LOCAL:00:00:00.000"

// VTT writes the whole track as normalised WebVTT.
func (t *Track) VTT() []byte {
	var b strings.Builder
	t.header(&b, "")
	for _, c := range t.Cues {
		writeCue(&b, c)
	}
	return []byte(b.String())
}

func (t *Track) header(b *strings.Builder, extra string) {
	b.WriteString("WEBVTT\n")
	if extra != "" {
		b.WriteString(extra + "\n")
	}
	b.WriteString("\n")
	for _, blk := range t.Blocks {
		b.WriteString(blk + "\n\n")
	}
}

func writeCue(b *strings.Builder, c Cue) {
	if c.ID != "" {
		b.WriteString(c.ID + "\n")
	}
	b.WriteString(formatTime(c.Start) + " --> " + formatTime(c.End))
	if c.Settings != "" {
		b.WriteString(" " + c.Settings)
	}
	b.WriteString("\n" + c.Text + "\n\n")
}

// Segment cuts the track into len(durations) WebVTT segments, the i-th
// covering [sum of durations before i, that plus durations[i]); the last
// also takes every cue that starts after the end. A cue is in every
// segment it overlaps.
func (t *Track) Segment(durations []time.Duration) [][]byte {
	out := make([][]byte, len(durations))
	var start time.Duration
	first := 0 // cues before it end before the current segment starts
	for i, d := range durations {
		end := start + d
		last := i == len(durations)-1
		var b strings.Builder
		t.header(&b, timestampMap)
		for j := first; j < len(t.Cues); j++ {
			c := t.Cues[j]
			if !last && c.Start >= end {
				break // sorted by start: none after overlaps
			}
			if c.End > start {
				writeCue(&b, c)
			}
		}
		for first < len(t.Cues) && t.Cues[first].End <= end {
			first++
		}
		out[i] = []byte(b.String())
		start = end
	}
	return out
}
