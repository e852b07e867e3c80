package packager

import (
	"path/filepath"
	"time"
)

// SegmentTrack cuts the subtitle track in dir/{st.Dir}/ (its
// SubtitleFile) at the given segment durations and writes its media
// playlist beside it, as Package does for each track: for a track
// added to a title packaged earlier, whose manifests the caller then
// writes with Master and MPD. It returns the track measured.
func SegmentTrack(dir string, st SubtitleTrack, durations []time.Duration) (SubtitleTrack, error) {
	return segmentTrack(filepath.Join(dir, st.Dir), st, durations)
}
