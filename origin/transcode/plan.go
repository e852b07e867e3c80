package transcode

import (
	"fmt"
	"math"
	"strconv"

	"github.com/vodedge/vodedge/origin/probe"
)

// Kind tells video renditions from audio ones.
type Kind string

// Rendition kinds.
const (
	Video Kind = "video"
	Audio Kind = "audio"
)

// Rendition is one output of the ladder for one source. Its Name is also
// its directory in the published layout.
type Rendition struct {
	Name  string `json:"name"`
	Kind  Kind   `json:"kind"`
	Codec Codec  `json:"codec,omitempty"` // video only; audio is AAC
	// Width and Height of the output picture (video).
	Width  int     `json:"width,omitempty"`
	Height int     `json:"height,omitempty"`
	FPS    float64 `json:"fps,omitempty"`
	// Bitrate is the target in bit/s.
	Bitrate int64 `json:"bitrate"`
	// AudioStream is the index among the source's audio streams (audio).
	AudioStream int    `json:"audio_stream,omitempty"`
	Language    string `json:"language,omitempty"`
}

// maxAudio bounds the audio renditions of one title.
const maxAudio = 8

// Plan returns the renditions of src under c: every rung at or below the
// source's short side (and the source's own size when it falls between
// rungs, see rungsFor), in each codec, plus one AAC rendition per audio
// stream. c must have been validated.
func Plan(src *probe.Info, c Config) ([]Rendition, error) {
	v, ok := src.MainVideo()
	if !ok {
		return nil, fmt.Errorf("transcode: plan: %w", probe.ErrNotVideo)
	}
	w, h := v.Width, v.Height
	if v.Rotated {
		w, h = h, w
	}
	fps := outputFPS(v.FPS, c.MaxFPS)
	var out []Rendition
	for _, codec := range c.Codecs {
		for _, r := range rungsFor(c.Ladder, min(w, h)) {
			out = append(out, videoRendition(codec, r, w, h, fps))
		}
	}
	return append(out, audioRenditions(src.Audio, c.AudioBitrate)...), nil
}

// rungsFor keeps the rungs that do not upscale a source whose short side
// is short. A source between two rungs also gets a top rung at its own
// (even) size, so a 640×360 source publishes 360p and 240p, not 240p
// alone; except when the rung below is within nearEnough of the source,
// whose downscale loses nothing a viewer sees (a 1088-line encode of a
// 1080p film keeps 1080p as its top). A source above the top rung is
// capped at it: the ladder's top is the operator's limit. A source
// smaller than every rung gets one rung at its own size.
func rungsFor(l Ladder, short int) Ladder {
	var keep Ladder
	var above *Rung // the lowest rung over the source
	for i, r := range l {
		if r.Height <= short {
			keep = append(keep, r)
		} else {
			above = &l[i]
		}
	}
	own := max(2, short&^1)
	switch {
	case len(keep) == 0:
		return Ladder{{Height: own, Bitrate: bitrateFor(own)}}
	case above == nil || float64(own) <= float64(keep[0].Height)*nearEnough:
		return keep
	}
	br := min(max(bitrateFor(own), keep[0].Bitrate), above.Bitrate)
	return append(Ladder{{Height: own, Bitrate: br}}, keep...)
}

// nearEnough is how far above a rung (as a ratio of heights) a source
// may be and still have that rung as its top.
const nearEnough = 1.1

func videoRendition(codec Codec, r Rung, w, h int, fps float64) Rendition {
	ow, oh := scaled(w, h, r.Height)
	br := int64(float64(r.Bitrate) * codec.bitrateFactor())
	if fps > 31 {
		br = br * 3 / 2 // high frame rates need more bits
	}
	return Rendition{
		Name: "video-" + string(codec) + "-" + r.Name(), Kind: Video, Codec: codec,
		Width: ow, Height: oh, FPS: fps, Bitrate: br,
	}
}

// scaled fits a w×h picture so that its short side is short, keeping the
// aspect ratio, with even dimensions (4:2:0 needs them).
func scaled(w, h, short int) (int, int) {
	if w >= h {
		return even(float64(w) * float64(short) / float64(h)), short
	}
	return short, even(float64(h) * float64(short) / float64(w))
}

func even(f float64) int { return max(2, int(math.Round(f/2))*2) }

// outputFPS halves high frame rates until they are under the cap, which
// keeps frames evenly spaced; unknown rates become 30.
func outputFPS(fps, maxFPS float64) float64 {
	if fps <= 0 {
		return 30
	}
	for fps > maxFPS+0.01 {
		fps /= 2
	}
	return math.Round(fps*1000) / 1000
}

func audioRenditions(streams []probe.Stream, bitrate int64) []Rendition {
	var out []Rendition
	base := "audio-aac-" + strconv.FormatInt(bitrate/1000, 10) + "k"
	for i, s := range streams {
		if i == maxAudio {
			break
		}
		name := base
		if len(streams) > 1 {
			name += "-" + audioSuffix(i, s.Language)
		}
		out = append(out, Rendition{Name: name, Kind: Audio, Bitrate: bitrate, AudioStream: i, Language: s.Language})
	}
	return out
}

// audioSuffix tells audio renditions apart: by language when known, else
// by position ("a1"), and always by position when two share a language.
func audioSuffix(i int, lang string) string {
	if lang == "" {
		return "a" + strconv.Itoa(i)
	}
	return lang + "-a" + strconv.Itoa(i)
}
