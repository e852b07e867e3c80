package probe

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Errors. Both are wrapped with the file and ffprobe's reason.
var (
	// ErrNotVideo means the file is not a video this controller can use.
	ErrNotVideo = errors.New("probe: not a video")
	// ErrProbe means ffprobe could not be run to completion; it says
	// nothing about the file.
	ErrProbe = errors.New("probe: ffprobe failed")
)

// ffprobe's JSON, with only the fields we read. Numbers that ffprobe
// prints as strings stay strings here and are parsed leniently.
type rawOutput struct {
	Streams []rawStream `json:"streams"`
	Format  struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
		Size       string `json:"size"`
		BitRate    string `json:"bit_rate"`
	} `json:"format"`
}

type rawStream struct {
	Index       int               `json:"index"`
	CodecName   string            `json:"codec_name"`
	CodecType   string            `json:"codec_type"`
	Profile     string            `json:"profile"`
	Width       int               `json:"width"`
	Height      int               `json:"height"`
	PixFmt      string            `json:"pix_fmt"`
	AvgFPS      string            `json:"avg_frame_rate"`
	RFPS        string            `json:"r_frame_rate"`
	Duration    string            `json:"duration"`
	BitRate     string            `json:"bit_rate"`
	NbFrames    string            `json:"nb_frames"`
	SampleRate  string            `json:"sample_rate"`
	Channels    int               `json:"channels"`
	Tags        map[string]string `json:"tags"`
	Disposition map[string]int    `json:"disposition"`
	SideData    []struct {
		Rotation float64 `json:"rotation"`
	} `json:"side_data_list"`
}

// maxStreams bounds what Parse keeps: a file claiming thousands of
// streams is not something to transcode.
const maxStreams = 64

// Parse turns ffprobe's JSON output into an Info and checks that it
// describes a usable video. The error wraps ErrNotVideo when it does not.
func Parse(data []byte) (*Info, error) {
	var raw rawOutput
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("%w: ffprobe output is not JSON: %v", ErrProbe, err)
	}
	info := &Info{
		Format:   raw.Format.FormatName,
		Duration: seconds(raw.Format.Duration),
		Size:     integer(raw.Format.Size),
		BitRate:  integer(raw.Format.BitRate),
	}
	for i, s := range raw.Streams {
		if i == maxStreams {
			break
		}
		info.add(s)
	}
	if err := info.check(); err != nil {
		return nil, err
	}
	return info, nil
}

func (i *Info) add(s rawStream) {
	st := Stream{
		Index: s.Index, Codec: s.CodecName, Profile: s.Profile,
		Duration: seconds(s.Duration), BitRate: integer(s.BitRate),
		Language: language(s.Tags["language"]),
	}
	switch s.CodecType {
	case "video":
		if s.Disposition["attached_pic"] == 1 {
			return // cover art
		}
		st.Width, st.Height, st.PixFmt = s.Width, s.Height, s.PixFmt
		st.FPS = rate(s.AvgFPS)
		if st.FPS == 0 {
			st.FPS = rate(s.RFPS)
		}
		st.Frames = integer(s.NbFrames)
		for _, sd := range s.SideData {
			st.Rotated = st.Rotated || math.Mod(math.Abs(sd.Rotation), 180) == 90
		}
		i.Video = append(i.Video, st)
	case "audio":
		st.SampleRate, st.Channels = int(integer(s.SampleRate)), s.Channels
		i.Audio = append(i.Audio, st)
	case "subtitle":
		i.Subtitle = append(i.Subtitle, st)
	}
}

// check decides whether the file is a video we can transcode.
func (i *Info) check() error {
	v, ok := i.MainVideo()
	switch {
	case !ok && len(i.Audio) > 0:
		return fmt.Errorf("%w: it has audio but no video stream", ErrNotVideo)
	case !ok:
		return fmt.Errorf("%w: no video stream", ErrNotVideo)
	case v.Width <= 0 || v.Height <= 0:
		return fmt.Errorf("%w: video stream has no picture size", ErrNotVideo)
	case i.Duration <= 0 && v.Duration <= 0:
		return fmt.Errorf("%w: no duration (a still image?)", ErrNotVideo)
	case v.Frames == 1 || strings.HasSuffix(i.Format, "_pipe") || i.Format == "image2":
		return fmt.Errorf("%w: a still image (%s)", ErrNotVideo, i.Format)
	}
	if i.Duration <= 0 {
		i.Duration = v.Duration
	}
	return nil
}

// seconds parses "12.345000"; anything else (including "N/A") is 0.
func seconds(s string) time.Duration {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f <= 0 || math.IsNaN(f) || f > 1e6 {
		return 0
	}
	return time.Duration(f * float64(time.Second))
}

func integer(s string) int64 {
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// rate parses a frame rate such as "30000/1001"; 0 when unknown.
func rate(s string) float64 {
	num, den, ok := strings.Cut(s, "/")
	if !ok {
		den = "1"
	}
	n, err1 := strconv.ParseFloat(num, 64)
	d, err2 := strconv.ParseFloat(den, 64)
	if err1 != nil || err2 != nil || d <= 0 || n <= 0 || n/d > 1000 {
		return 0
	}
	return n / d
}

// language keeps an ISO 639 code and drops "und" and junk.
func language(s string) string {
	if s == "und" || len(s) < 2 || len(s) > 8 {
		return ""
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-') {
			return ""
		}
	}
	return strings.ToLower(s)
}
