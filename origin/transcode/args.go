package transcode

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// Layout of one rendition directory, shared with the packager and the
// published object layout (see origin/store).
const (
	InitFile     = "init.mp4"
	PlaylistFile = "index.m3u8"
	// SegmentPattern is the ffmpeg pattern of segment names: seg-00000.m4s.
	SegmentPattern = "seg-%05d.m4s"
)

// args returns ffmpeg's arguments (after the global ones ffmpeg.Run adds)
// to encode r from src into dir.
func (c Config) args(src string, r Rendition, dir string) []string {
	args := []string{"-v", "error", "-y", "-i", src}
	if c.Threads > 0 {
		args = append(args, "-threads", strconv.Itoa(c.Threads))
	}
	if r.Kind == Audio {
		args = append(args, c.audioArgs(r)...)
	} else {
		args = append(args, c.videoArgs(r)...)
	}
	return append(args, c.hlsArgs(dir)...)
}

// chunkArgs encodes chunk ch of video rendition r: an accurate input
// seek to ch.Start (ffmpeg decodes from the keyframe before it and drops
// frames until the start), -t to the chunk's end, and -output_ts_offset
// so the segments keep the source's timeline. The forced-keyframe
// expression counts from the chunk's own start, which is a multiple of
// the segment duration, so keyframes fall where a whole-file encode puts
// them. Segment numbers start at ch.FirstSegment.
func (c Config) chunkArgs(src string, r Rendition, ch Chunk, dir string) []string {
	args := []string{"-v", "error", "-y", "-ss", secondsArg(ch.Start)}
	if ch.End > 0 {
		args = append(args, "-t", secondsArg(ch.End-ch.Start))
	}
	args = append(args, "-i", src)
	if c.Threads > 0 {
		args = append(args, "-threads", strconv.Itoa(c.Threads))
	}
	args = append(args, c.videoArgs(r)...)
	args = append(args, "-output_ts_offset", secondsArg(ch.Start), "-start_number", strconv.Itoa(ch.FirstSegment))
	return append(args, c.hlsArgs(dir)...)
}

func (c Config) audioArgs(r Rendition) []string {
	return []string{
		"-map", "0:a:" + strconv.Itoa(r.AudioStream), "-vn", "-sn", "-dn",
		"-c:a", "aac", "-b:a", kbps(r.Bitrate), "-ac", "2", "-ar", "48000",
	}
}

func (c Config) videoArgs(r Rendition) []string {
	gop := c.gop(r.FPS)
	args := []string{
		"-map", "0:v:0", "-an", "-sn", "-dn",
		"-vf", fmt.Sprintf("fps=%s,scale=%d:%d:flags=bicubic,setsar=1", fpsArg(r.FPS), r.Width, r.Height),
		"-c:v", r.Codec.Encoder(), "-pix_fmt", "yuv420p",
		"-b:v", kbps(r.Bitrate), "-maxrate", kbps(r.Bitrate * 11 / 10), "-bufsize", kbps(r.Bitrate * 2),
		"-g", strconv.Itoa(gop), "-keyint_min", strconv.Itoa(gop),
		"-force_key_frames", "expr:gte(t,n_forced*" + secondsArg(c.SegmentDuration) + ")",
	}
	args = append(args, c.codecArgs(r.Codec, gop)...)
	return append(args, videoTimingArgs...)
}

// codecArgs turn scene-cut keyframes off (they would misalign renditions)
// and set the preset in each encoder's terms.
func (c Config) codecArgs(codec Codec, gop int) []string {
	switch codec {
	case HEVC:
		return []string{"-preset", c.Preset, "-tag:v", "hvc1",
			"-x265-params", fmt.Sprintf("scenecut=0:open-gop=0:keyint=%d:min-keyint=%d:log-level=error", gop, gop)}
	case AV1:
		return []string{"-preset", strconv.Itoa(svtPreset(c.Preset)),
			"-svtav1-params", fmt.Sprintf("keyint=%d:scd=0", gop)}
	}
	return []string{"-preset", c.Preset, "-profile:v", "high", "-sc_threshold", "0"}
}

// gop is the frames per segment: with forced keyframes at each segment
// start, no keyframe falls inside a segment.
func (c Config) gop(fps float64) int {
	return max(1, int(fps*c.SegmentDuration.Seconds()+0.5))
}

// videoTimingArgs make a video rendition's timestamps independent of
// where its encode started, so that chunks encoded apart join into what
// one whole-file encode writes (same init.mp4, same segment times):
//
//   - -avoid_negative_ts disabled: with B-frames the first decode time is
//     negative; the default shift would move only the first chunk's
//     timeline (by the encoder's reorder delay) and not the others.
//   - movflags +frag_discont (with the HLS muxer's own fMP4 flags, which
//     an explicit movflags replaces): each fragment's decode time comes
//     from the packets' timestamps instead of counting from zero with the
//     start put in an edit list of init.mp4, which would differ per chunk.
//
// The first frame is then presented at 0, keyframes at exact multiples of
// the segment duration.
var videoTimingArgs = []string{
	"-avoid_negative_ts", "disabled",
	"-hls_segment_options", "movflags=+frag_custom+dash+delay_moov+frag_discont",
}

func (c Config) hlsArgs(dir string) []string {
	return []string{
		"-f", "hls", "-hls_time", secondsArg(c.SegmentDuration),
		"-hls_playlist_type", "vod", "-hls_segment_type", "fmp4",
		"-hls_fmp4_init_filename", InitFile,
		"-hls_segment_filename", filepath.Join(dir, SegmentPattern),
		"-hls_flags", "independent_segments",
		filepath.Join(dir, PlaylistFile),
	}
}

// svtPreset maps x264 preset names onto SVT-AV1's 0 (slowest) … 13.
func svtPreset(p string) int {
	for i, name := range presets {
		if name == p {
			return 12 - i
		}
	}
	return 10
}

func secondsArg(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64)
}

func fpsArg(f float64) string {
	s := strconv.FormatFloat(f, 'f', 3, 64)
	return strings.TrimRight(strings.TrimRight(s, "0"), ".")
}
