package probe

import (
	"fmt"
	"strings"
	"time"
)

// Info is what ffprobe reports about a file, reduced to what the
// controller uses. It is a plain value, stored in the catalog as JSON.
type Info struct {
	// Format is ffprobe's format name, e.g. "mov,mp4,m4a,3gp,3g2,mj2".
	Format   string        `json:"format"`
	Duration time.Duration `json:"duration_ns"`
	// Size in bytes as ffprobe saw it; 0 when unknown.
	Size int64 `json:"size"`
	// BitRate of the whole file in bit/s; 0 when unknown.
	BitRate int64    `json:"bit_rate"`
	Video   []Stream `json:"video,omitempty"`
	Audio   []Stream `json:"audio,omitempty"`
	// Subtitle streams, text or bitmap (see Stream.TextSubtitle).
	Subtitle []Stream `json:"subtitle,omitempty"`
}

// Stream is one video or audio stream.
type Stream struct {
	Index   int    `json:"index"`
	Codec   string `json:"codec"`
	Profile string `json:"profile,omitempty"`
	// Duration is 0 when the container does not say.
	Duration time.Duration `json:"duration_ns,omitempty"`
	BitRate  int64         `json:"bit_rate,omitempty"`
	Language string        `json:"language,omitempty"`

	// Video only.
	Width   int     `json:"width,omitempty"`
	Height  int     `json:"height,omitempty"`
	FPS     float64 `json:"fps,omitempty"`
	PixFmt  string  `json:"pix_fmt,omitempty"`
	Frames  int64   `json:"frames,omitempty"`
	Rotated bool    `json:"rotated,omitempty"`

	// Audio only.
	SampleRate int `json:"sample_rate,omitempty"`
	Channels   int `json:"channels,omitempty"`
}

// textSubtitleCodecs are the subtitle codecs ffmpeg converts to WebVTT.
var textSubtitleCodecs = map[string]bool{"mov_text": true, "subrip": true, "webvtt": true, "ass": true, "ssa": true, "text": true}

// TextSubtitle reports whether s is a subtitle stream of text (which
// can become WebVTT), not of pictures (DVD, PGS, DVB).
func (s Stream) TextSubtitle() bool { return textSubtitleCodecs[s.Codec] }

// MainVideo returns the first video stream; ok is false when there is none.
func (i *Info) MainVideo() (s Stream, ok bool) {
	if len(i.Video) == 0 {
		return Stream{}, false
	}
	return i.Video[0], true
}

// Resolution is "WxH" of the main video, or "" without one.
func (i *Info) Resolution() string {
	v, ok := i.MainVideo()
	if !ok {
		return ""
	}
	return fmt.Sprintf("%dx%d", v.Width, v.Height)
}

// Codecs lists the codec names of the video streams then the audio
// streams, e.g. "h264,aac".
func (i *Info) Codecs() string {
	var names []string
	for _, s := range i.Video {
		names = append(names, s.Codec)
	}
	for _, s := range i.Audio {
		names = append(names, s.Codec)
	}
	return strings.Join(names, ",")
}
