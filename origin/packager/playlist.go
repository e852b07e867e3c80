package packager

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ErrBadPlaylist is wrapped when a media playlist cannot be used.
var ErrBadPlaylist = errors.New("packager: bad media playlist")

// Segment is one entry of a media playlist.
type Segment struct {
	URI string
	// Duration in milliseconds (EXTINF, rounded).
	DurationMS int64
}

// MediaPlaylist is what the packager needs from an index.m3u8.
type MediaPlaylist struct {
	InitURI  string
	Segments []Segment
}

// DurationMS is the sum of the segment durations.
func (p *MediaPlaylist) DurationMS() int64 {
	var d int64
	for _, s := range p.Segments {
		d += s.DurationMS
	}
	return d
}

// Limits on what a playlist may hold: a 24-hour title at 1 s segments.
const (
	maxSegments   = 100_000
	maxLineLength = 4096
)

// ParsePlaylist reads a VOD media playlist as ffmpeg's HLS muxer writes
// it. Segment and init URIs must be plain file names in the rendition's
// directory; the playlist must end with #EXT-X-ENDLIST.
func ParsePlaylist(r io.Reader) (*MediaPlaylist, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 1024), maxLineLength)
	p := &MediaPlaylist{}
	pending := int64(-1) // EXTINF duration waiting for its URI
	ended, first := false, true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first && line != "#EXTM3U" {
			return nil, fmt.Errorf("%w: does not start with #EXTM3U", ErrBadPlaylist)
		}
		first = false
		var err error
		switch {
		case line == "" || (strings.HasPrefix(line, "#") && !strings.HasPrefix(line, "#EXT")):
		case strings.HasPrefix(line, "#EXTINF:"):
			pending, err = extinf(line)
		case strings.HasPrefix(line, "#EXT-X-MAP:"):
			p.InitURI, err = mapURI(line)
		case line == "#EXT-X-ENDLIST":
			ended = true
		case strings.HasPrefix(line, "#"):
		default:
			err = p.addSegment(line, pending)
			pending = -1
		}
		if err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadPlaylist, err)
	}
	return p, p.check(ended)
}

func (p *MediaPlaylist) addSegment(uri string, dur int64) error {
	switch {
	case dur < 0:
		return fmt.Errorf("%w: segment %q without #EXTINF", ErrBadPlaylist, clip(uri))
	case !plainName(uri):
		return fmt.Errorf("%w: segment %q is not a file name in the rendition directory", ErrBadPlaylist, clip(uri))
	case len(p.Segments) == maxSegments:
		return fmt.Errorf("%w: more than %d segments", ErrBadPlaylist, maxSegments)
	}
	p.Segments = append(p.Segments, Segment{URI: uri, DurationMS: dur})
	return nil
}

func (p *MediaPlaylist) check(ended bool) error {
	switch {
	case !ended:
		return fmt.Errorf("%w: no #EXT-X-ENDLIST (incomplete)", ErrBadPlaylist)
	case len(p.Segments) == 0:
		return fmt.Errorf("%w: no segments", ErrBadPlaylist)
	case p.InitURI == "":
		return fmt.Errorf("%w: no #EXT-X-MAP (not CMAF)", ErrBadPlaylist)
	}
	return nil
}

// extinf parses "#EXTINF:4.000000," into milliseconds.
func extinf(line string) (int64, error) {
	f, err := ExtinfSeconds(strings.TrimPrefix(line, "#EXTINF:"))
	if err != nil {
		return 0, fmt.Errorf("%w: %w", ErrBadPlaylist, err)
	}
	return int64(math.Round(f * 1000)), nil
}

// maxExtinf bounds one segment's duration in seconds (an hour: far past
// any packager's, well inside time.Duration).
const maxExtinf = 3600

// ExtinfSeconds reads the duration of "#EXTINF:<duration>,[title]"
// (v is what follows the colon). A value that does not parse, is
// negative, NaN, infinite or past maxExtinf is an error: NaN compares
// false with any bound, so the test is written to fail for it.
func ExtinfSeconds(v string) (float64, error) {
	v, _, _ = strings.Cut(v, ",")
	secs, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil || !(secs >= 0 && secs <= maxExtinf) {
		return 0, fmt.Errorf("#EXTINF duration %q: want seconds from 0 to %d", clip(v), maxExtinf)
	}
	return secs, nil
}

// mapURI parses `#EXT-X-MAP:URI="init.mp4"`.
func mapURI(line string) (string, error) {
	_, rest, ok := strings.Cut(line, `URI="`)
	uri, _, closed := strings.Cut(rest, `"`)
	if !ok || !closed || !plainName(uri) {
		return "", fmt.Errorf("%w: bad #EXT-X-MAP %q", ErrBadPlaylist, clip(line))
	}
	return uri, nil
}

// plainName accepts a file name without directories, dots first or odd
// bytes: what the encoder writes, and nothing that could name another
// file once published.
func plainName(s string) bool {
	if s == "" || len(s) > 255 || s[0] == '.' {
		return false
	}
	for _, c := range []byte(s) {
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.'
		if !ok {
			return false
		}
	}
	return true
}

func clip(s string) string {
	if len(s) > 64 {
		return s[:64] + "…"
	}
	return s
}
