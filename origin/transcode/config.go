package transcode

import (
	"fmt"
	"slices"
	"time"
)

// Config is how renditions are encoded. Start from DefaultConfig.
type Config struct {
	// Ladder is the set of video rungs; rungs above the source's height
	// are dropped (never upscale).
	Ladder Ladder
	// Codecs lists the video codecs each rung is encoded in; default
	// H.264 only. HEVC and AV1 double or triple the encode time.
	Codecs []Codec
	// SegmentDuration is the CMAF segment length and the keyframe
	// interval; 1..20 s, default 4 s.
	SegmentDuration time.Duration
	// Preset is the x264/x265 preset (ultrafast … veryslow), default
	// "veryfast". For AV1 (SVT-AV1 presets 0..13) it maps to a number.
	Preset string
	// AudioBitrate is the AAC bitrate in bit/s, default 128k; audio is
	// stereo at 48 kHz.
	AudioBitrate int64
	// MaxFPS caps the output frame rate (a 120 fps source is halved);
	// default 60.
	MaxFPS float64
	// FFmpeg is the binary's path; default "ffmpeg".
	FFmpeg string
	// Threads is ffmpeg's -threads per encode; 0 lets ffmpeg choose.
	Threads int
	// ChunkDuration is the length of the pieces a long source's video is
	// cut into, each encoded as its own step (rounded down to whole
	// segments); default 2 min. A source shorter than two chunks is
	// encoded whole; so is every source when ChunkDuration is NoChunks.
	ChunkDuration time.Duration
}

// NoChunks as Config.ChunkDuration turns chunked encoding off.
const NoChunks = time.Duration(1<<63 - 1)

// DefaultConfig is the production default: the 5-rung H.264 ladder, 4 s
// segments, veryfast.
func DefaultConfig() Config {
	return Config{
		Ladder:          DefaultLadder(),
		Codecs:          []Codec{H264},
		SegmentDuration: 4 * time.Second,
		Preset:          "veryfast",
		AudioBitrate:    128_000,
		MaxFPS:          60,
		FFmpeg:          "ffmpeg",
		ChunkDuration:   2 * time.Minute,
	}
}

var presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium", "slow", "slower", "veryslow"}

// Validate checks c and fills zero fields from DefaultConfig.
func (c *Config) Validate() error {
	d := DefaultConfig()
	if len(c.Ladder) == 0 {
		c.Ladder = d.Ladder
	}
	if err := c.Ladder.validate(); err != nil {
		return err
	}
	if len(c.Codecs) == 0 {
		c.Codecs = d.Codecs
	}
	c.SegmentDuration = orDefault(c.SegmentDuration, d.SegmentDuration)
	c.Preset = orDefault(c.Preset, d.Preset)
	c.AudioBitrate = orDefault(c.AudioBitrate, d.AudioBitrate)
	c.MaxFPS = orDefault(c.MaxFPS, d.MaxFPS)
	c.FFmpeg = orDefault(c.FFmpeg, d.FFmpeg)
	c.ChunkDuration = orDefault(c.ChunkDuration, d.ChunkDuration)
	switch {
	case c.SegmentDuration < time.Second || c.SegmentDuration > 20*time.Second:
		return fmt.Errorf("%w: segment duration %v: want 1s..20s", ErrConfig, c.SegmentDuration)
	case !slices.Contains(presets, c.Preset):
		return fmt.Errorf("%w: preset %q: want one of %v", ErrConfig, c.Preset, presets)
	case c.AudioBitrate < 32_000 || c.AudioBitrate > 512_000:
		return fmt.Errorf("%w: audio bitrate %d: want 32k..512k", ErrConfig, c.AudioBitrate)
	case c.MaxFPS < 1 || c.MaxFPS > 240:
		return fmt.Errorf("%w: max fps %v: want 1..240", ErrConfig, c.MaxFPS)
	case c.ChunkDuration < c.SegmentDuration:
		return fmt.Errorf("%w: chunk duration %v: want at least one segment (%v)", ErrConfig, c.ChunkDuration, c.SegmentDuration)
	case c.Threads < 0:
		return fmt.Errorf("%w: threads %d", ErrConfig, c.Threads)
	}
	return nil
}

func orDefault[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}
