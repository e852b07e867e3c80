package packager

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin/subtitle"
	"github.com/vodedge/vodedge/origin/transcode"
)

// SubtitleFile is the whole normalised WebVTT of a subtitle track, in
// the track's directory; DASH players load it as one file, and Package
// cuts the HLS segments from it.
const SubtitleFile = "subtitles.vtt"

// subtitleSegment names the track's HLS segments, numbered from 0 like
// the video's (transcode.SegmentPattern).
const subtitleSegment = "seg-%05d.vtt"

// subtitleGroup is the GROUP-ID of the subtitle renditions.
const subtitleGroup = "subs"

// SubtitleTrack is a subtitle rendition: Dir (relative to the title's
// directory) holds SubtitleFile, and Package adds its segments and
// index.m3u8 beside it.
type SubtitleTrack struct {
	// Language is a BCP 47 tag ("en", "pt-BR") or ISO 639-2 ("eng").
	Language string `json:"language"`
	// Name is what a player's subtitles menu shows; unique per title.
	Name string `json:"name"`
	Dir  string `json:"dir"`
	// Size of SubtitleFile in bytes (the DASH bandwidth is derived from it).
	Size int64 `json:"size"`
	Cues int   `json:"cues"`
}

// SubtitleDurations are the durations of a title's subtitle segments:
// those of the first video variant's segments, at whose boundaries
// Package cuts every track (and SegmentTrack a track added later).
// None without a video variant.
func SubtitleDurations(vs []Variant) []time.Duration {
	video := filterKind(vs, transcode.Video)
	if len(video) == 0 {
		return nil
	}
	durations := make([]time.Duration, len(video[0].Segments))
	for i, s := range video[0].Segments {
		durations[i] = time.Duration(s.DurationMS) * time.Millisecond
	}
	return durations
}

// segmentSubtitles cuts every track at SubtitleDurations and writes its
// media playlist.
func segmentSubtitles(dir string, vs []Variant, subs []SubtitleTrack) ([]SubtitleTrack, error) {
	durations := SubtitleDurations(vs)
	out := make([]SubtitleTrack, len(subs))
	for i, st := range subs {
		var err error
		if out[i], err = segmentTrack(filepath.Join(dir, st.Dir), st, durations); err != nil {
			return nil, fmt.Errorf("packager: subtitles %s: %w", st.Dir, err)
		}
	}
	return out, nil
}

func segmentTrack(tdir string, st SubtitleTrack, durations []time.Duration) (SubtitleTrack, error) {
	whole, err := os.ReadFile(filepath.Join(tdir, SubtitleFile))
	if err != nil {
		return st, err
	}
	tr, err := subtitle.ParseVTT(whole)
	if err != nil {
		return st, err
	}
	for i, seg := range tr.Segment(durations) {
		if err := writeAtomic(filepath.Join(tdir, fmt.Sprintf(subtitleSegment, i)), seg); err != nil {
			return st, err
		}
	}
	st.Size, st.Cues = int64(len(whole)), len(tr.Cues)
	return st, writeAtomic(filepath.Join(tdir, transcode.PlaylistFile), subtitlePlaylist(durations))
}

// subtitlePlaylist is a VOD media playlist of WebVTT segments with the
// video's durations.
func subtitlePlaylist(durations []time.Duration) []byte {
	var longest time.Duration
	for _, d := range durations {
		longest = max(longest, d)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-PLAYLIST-TYPE:VOD\n",
		int64((longest+time.Second-1)/time.Second))
	for i, d := range durations {
		fmt.Fprintf(&b, "#EXTINF:%.3f,\n"+subtitleSegment+"\n", d.Seconds(), i)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}

// subtitleMedia writes the master playlist's EXT-X-MEDIA lines of the
// subtitle renditions.
func subtitleMedia(b *strings.Builder, subs []SubtitleTrack) {
	for _, s := range subs {
		fmt.Fprintf(b, "#EXT-X-MEDIA:TYPE=SUBTITLES,GROUP-ID=%q,NAME=%q,%sDEFAULT=NO,AUTOSELECT=YES,FORCED=NO,URI=%q\n",
			subtitleGroup, s.Name, langAttr(s.Language), s.Dir+"/"+transcode.PlaylistFile)
	}
}

// textSets are the MPD's text adaptation sets, one per track, each a
// single WebVTT file (the form dash.js and Shaka Player load as
// side-loaded text: mimeType text/vtt with a BaseURL).
func textSets(subs []SubtitleTrack, durationMS int64) []*adaptationSet {
	var sets []*adaptationSet
	for _, s := range subs {
		bw := int64(1)
		if durationMS > 0 {
			bw = max(1, s.Size*8000/durationMS)
		}
		sets = append(sets, &adaptationSet{
			ContentType: "text", MimeType: "text/vtt", Lang: s.Language,
			Label: s.Name, Role: &descriptor{Scheme: "urn:mpeg:dash:role:2011", Value: "subtitle"},
			Representations: []*representation{{ID: s.Dir, Bandwidth: bw, BaseURL: s.Dir + "/" + SubtitleFile}},
		})
	}
	return sets
}
