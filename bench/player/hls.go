// Package player emulates HLS video players against edges: each player
// picks a title by Zipf popularity, asks steering (when configured) for
// ranked edge URLs, reads the master and a media playlist, fetches
// segments in order at playback pace (or as fast as it can), switches
// rendition by measured throughput, and falls back to the next URL when
// one fails. It reports startup time, segment time to first byte,
// rebuffer events and the bit rate delivered.
//
// # Steering (an assumption until the steering service exists)
//
// With Config.Steering set, a player asks it before starting a title:
// GET {steering}?title={path of the master playlist}&client={player id},
// and expects 200 with a JSON array of base URLs, best first:
//
//	["http://edge-a.example:8080", "http://edge-b.example:8080"]
//
// The player fetches the playlists and segments from the first and
// falls back down the list on an error. Anything else implementing
// Steerer (a Go client of the real service) can be plugged in instead;
// without steering the fixed Config.Bases are the ranked list.
//
// Imports: internal/zipf and the standard library.
package player

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Variant is one rendition listed in a master playlist.
type Variant struct {
	Bandwidth int    // bits/s, from #EXT-X-STREAM-INF BANDWIDTH
	URI       string // resolved against the master's URL path
}

// Segment is one media segment of a media playlist.
type Segment struct {
	Duration time.Duration
	URI      string // resolved against the playlist's URL path
}

// ErrPlaylist marks a playlist the player cannot use.
var ErrPlaylist = errors.New("player: bad playlist")

// ParseMaster reads a master playlist fetched from path and returns its
// variants, lowest bandwidth first.
func ParseMaster(r io.Reader, path string) ([]Variant, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, err
	}
	var out []Variant
	for i, l := range lines {
		attrs, ok := strings.CutPrefix(l, "#EXT-X-STREAM-INF:")
		if !ok {
			continue
		}
		bw, err := attr(attrs, "BANDWIDTH")
		if err != nil || i+1 >= len(lines) || lines[i+1] == "" || strings.HasPrefix(lines[i+1], "#") {
			return nil, fmt.Errorf("%w: stream %q: want BANDWIDTH and a URI line", ErrPlaylist, l)
		}
		uri, err := resolve(path, lines[i+1])
		if err != nil {
			return nil, err
		}
		out = insertSorted(out, Variant{Bandwidth: bw, URI: uri})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no #EXT-X-STREAM-INF in %s", ErrPlaylist, path)
	}
	return out, nil
}

// ParseMedia reads a media playlist fetched from path.
func ParseMedia(r io.Reader, path string) ([]Segment, error) {
	lines, err := readLines(r)
	if err != nil {
		return nil, err
	}
	var out []Segment
	var dur time.Duration
	for _, l := range lines {
		if v, ok := strings.CutPrefix(l, "#EXTINF:"); ok {
			v, _, _ = strings.Cut(v, ",")
			secs, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err != nil || !(secs > 0 && secs < 3600) {
				return nil, fmt.Errorf("%w: %q", ErrPlaylist, l)
			}
			dur = time.Duration(secs * float64(time.Second))
			continue
		}
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if dur == 0 {
			return nil, fmt.Errorf("%w: segment %q without #EXTINF", ErrPlaylist, l)
		}
		uri, err := resolve(path, l)
		if err != nil {
			return nil, err
		}
		out = append(out, Segment{Duration: dur, URI: uri})
		dur = 0
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%w: no segments in %s", ErrPlaylist, path)
	}
	return out, nil
}

func readLines(r io.Reader) ([]string, error) {
	sc := bufio.NewScanner(io.LimitReader(r, 4<<20))
	var out []string
	for sc.Scan() {
		out = append(out, strings.TrimSpace(sc.Text()))
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrPlaylist, err)
	}
	if len(out) == 0 || out[0] != "#EXTM3U" {
		return nil, fmt.Errorf("%w: no #EXTM3U header", ErrPlaylist)
	}
	return out, nil
}

// attr returns an integer attribute of an attribute list.
func attr(list, name string) (int, error) {
	for _, kv := range strings.Split(list, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(kv), name+"="); ok {
			return strconv.Atoi(v)
		}
	}
	return 0, fmt.Errorf("no %s", name)
}

// resolve resolves a playlist URI against the playlist's path; only
// same-host references (relative or absolute paths) are followed: the
// edge is chosen by steering, not by the playlist.
func resolve(base, ref string) (string, error) {
	u, err := url.Parse(ref)
	if err != nil || u.Host != "" || u.Scheme != "" {
		return "", fmt.Errorf("%w: URI %q: want a path on the same host", ErrPlaylist, ref)
	}
	b, err := url.Parse(base)
	if err != nil { // found by FuzzParseMaster: a base with a bad escape was a nil dereference
		return "", fmt.Errorf("%w: playlist path %q: %w", ErrPlaylist, base, err)
	}
	// found by FuzzParseMedia: "?" against a base without a path
	// resolves to no path at all
	p := b.ResolveReference(u).Path
	if p == "" {
		return "", fmt.Errorf("%w: URI %q against %q names no path", ErrPlaylist, ref, base)
	}
	return p, nil
}

func insertSorted(vs []Variant, v Variant) []Variant {
	i := len(vs)
	for i > 0 && vs[i-1].Bandwidth > v.Bandwidth {
		i--
	}
	vs = append(vs, Variant{})
	copy(vs[i+1:], vs[i:])
	vs[i] = v
	return vs
}
