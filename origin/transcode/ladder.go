package transcode

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// ErrConfig is wrapped by configuration errors (a bad ladder, preset,
// codec or segment duration).
var ErrConfig = errors.New("transcode: bad configuration")

// Codec names a video codec of the ladder.
type Codec string

// Video codecs. Encoders: libx264, libx265, libsvtav1.
const (
	H264 Codec = "h264"
	HEVC Codec = "hevc"
	AV1  Codec = "av1"
)

// Encoder returns the ffmpeg encoder of c.
func (c Codec) Encoder() string {
	switch c {
	case HEVC:
		return "libx265"
	case AV1:
		return "libsvtav1"
	}
	return "libx264"
}

// bitrateFactor scales the H.264 ladder's bitrates for newer codecs, which
// reach the same quality with fewer bits.
func (c Codec) bitrateFactor() float64 {
	switch c {
	case HEVC:
		return 0.6
	case AV1:
		return 0.5
	}
	return 1
}

// ParseCodec accepts h264, hevc (h265) and av1.
func ParseCodec(s string) (Codec, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "h264", "avc":
		return H264, nil
	case "hevc", "h265":
		return HEVC, nil
	case "av1":
		return AV1, nil
	}
	return "", fmt.Errorf("%w: codec %q: want h264, hevc or av1", ErrConfig, s)
}

// Rung is one step of the ladder: a picture height (the short side, so
// "1080p" of a portrait video is 1080 wide) and the H.264 target bitrate
// in bit/s.
type Rung struct {
	Height  int
	Bitrate int64
}

// Name is "720p".
func (r Rung) Name() string { return strconv.Itoa(r.Height) + "p" }

// Ladder is a set of rungs, highest first.
type Ladder []Rung

// defaultBitrates are H.264 targets per height, in the range Apple's HLS
// authoring specification and common encoding ladders use.
var defaultBitrates = map[int]int64{
	2160: 16_000_000, 1440: 10_000_000, 1080: 6_000_000, 720: 3_000_000,
	540: 2_000_000, 480: 1_400_000, 360: 800_000, 240: 400_000, 180: 250_000, 144: 160_000,
}

// DefaultLadder is 2160p, 1080p, 720p, 480p and 240p.
func DefaultLadder() Ladder {
	return Ladder{{2160, 16_000_000}, {1080, 6_000_000}, {720, 3_000_000}, {480, 1_400_000}, {240, 400_000}}
}

// String is the ladder in ParseLadder's syntax.
func (l Ladder) String() string {
	parts := make([]string, len(l))
	for i, r := range l {
		parts[i] = fmt.Sprintf("%s:%dk", r.Name(), r.Bitrate/1000)
	}
	return strings.Join(parts, ",")
}

// ParseLadder parses "1080p:5000k,720p,480p:1.2M": heights with optional
// bitrates (k/M suffixes, decimal); a height without a bitrate takes a
// default for it (interpolated between known heights when needed).
// Heights must be even, 64..4320, each once.
func ParseLadder(s string) (Ladder, error) {
	var l Ladder
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		r, err := parseRung(part)
		if err != nil {
			return nil, err
		}
		l = append(l, r)
	}
	return l, l.validate()
}

func parseRung(s string) (Rung, error) {
	h, br, hasBR := strings.Cut(s, ":")
	height, err := strconv.Atoi(strings.TrimSuffix(strings.ToLower(h), "p"))
	if err != nil || height < 64 || height > 4320 || height%2 != 0 {
		return Rung{}, fmt.Errorf("%w: ladder rung %q: want an even height 64..4320 such as 720p", ErrConfig, s)
	}
	r := Rung{Height: height, Bitrate: bitrateFor(height)}
	if hasBR {
		if r.Bitrate, err = parseBitrate(br); err != nil {
			return Rung{}, fmt.Errorf("%w: ladder rung %q: %v", ErrConfig, s, err)
		}
	}
	return r, nil
}

// parseBitrate reads "5000k", "1.2M", "800000" as bit/s.
func parseBitrate(s string) (int64, error) {
	mult := 1.0
	switch {
	case strings.HasSuffix(s, "k"), strings.HasSuffix(s, "K"):
		mult, s = 1e3, s[:len(s)-1]
	case strings.HasSuffix(s, "M"), strings.HasSuffix(s, "m"):
		mult, s = 1e6, s[:len(s)-1]
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f*mult < 32_000 || f*mult > 200_000_000 {
		return 0, fmt.Errorf("bitrate %q: want 32k..200M", s)
	}
	return int64(f * mult), nil
}

// bitrateFor interpolates the default table by pixel count.
func bitrateFor(h int) int64 {
	if b, ok := defaultBitrates[h]; ok {
		return b
	}
	// About 0.1 bit per pixel at 30 fps for H.264 at these sizes.
	w := h * 16 / 9
	return max(100_000, int64(float64(w*h)*30*0.1))
}

func (l Ladder) validate() error {
	if len(l) == 0 {
		return fmt.Errorf("%w: the ladder is empty", ErrConfig)
	}
	seen := map[int]bool{}
	for _, r := range l {
		if seen[r.Height] {
			return fmt.Errorf("%w: ladder lists %s twice", ErrConfig, r.Name())
		}
		seen[r.Height] = true
	}
	slices.SortFunc(l, func(a, b Rung) int { return b.Height - a.Height })
	return nil
}

// kbps renders a bitrate for ffmpeg ("3000k").
func kbps(b int64) string { return strconv.FormatInt(max(1, b/1000), 10) + "k" }
