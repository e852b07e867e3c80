package packager

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/vodedge/vodedge/origin/transcode"
)

// audioGroup is the GROUP-ID of the audio renditions.
const audioGroup = "aac"

// Master renders the HLS master playlist: audio renditions as
// EXT-X-MEDIA in one group, video renditions as EXT-X-STREAM-INF from
// the lowest bandwidth to the highest, with BANDWIDTH including the
// heaviest audio rendition (what a player must sustain); subtitle
// renditions as EXT-X-MEDIA in a group every variant names.
func Master(vs []Variant, subs ...SubtitleTrack) []byte {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	var audioPeak, audioAvg int64
	audio := filterKind(vs, transcode.Audio)
	for i, a := range audio {
		audioPeak, audioAvg = max(audioPeak, a.PeakBandwidth), max(audioAvg, a.AverageBandwidth)
		fmt.Fprintf(&b, "#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID=%q,NAME=%q,%sDEFAULT=%s,AUTOSELECT=YES,CHANNELS=\"2\",URI=%q\n",
			audioGroup, audioName(a, i), langAttr(a.Language), yesNo(i == 0), a.Name+"/"+transcode.PlaylistFile)
	}
	subtitleMedia(&b, subs)
	video := filterKind(vs, transcode.Video)
	slices.SortStableFunc(video, func(a, b Variant) int { return int(a.PeakBandwidth - b.PeakBandwidth) })
	for _, v := range video {
		codecs := v.Codecs
		if len(audio) > 0 {
			codecs += "," + audio[0].Codecs
		}
		fmt.Fprintf(&b, "#EXT-X-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,CODECS=%q,RESOLUTION=%dx%d,FRAME-RATE=%.3f",
			v.PeakBandwidth+audioPeak, v.AverageBandwidth+audioAvg, codecs, v.Width, v.Height, v.FPS)
		if len(audio) > 0 {
			fmt.Fprintf(&b, ",AUDIO=%q", audioGroup)
		}
		if len(subs) > 0 {
			fmt.Fprintf(&b, ",SUBTITLES=%q", subtitleGroup)
		}
		b.WriteString("\n" + v.Name + "/" + transcode.PlaylistFile + "\n")
	}
	return []byte(b.String())
}

func filterKind(vs []Variant, k transcode.Kind) []Variant {
	var out []Variant
	for _, v := range vs {
		if v.Kind == k {
			out = append(out, v)
		}
	}
	return out
}

func audioName(a Variant, i int) string {
	if a.Language != "" {
		return a.Language
	}
	return "Audio " + strconv.Itoa(i+1)
}

func langAttr(lang string) string {
	if lang == "" {
		return ""
	}
	return fmt.Sprintf("LANGUAGE=%q,", lang)
}

func yesNo(b bool) string {
	if b {
		return "YES"
	}
	return "NO"
}
