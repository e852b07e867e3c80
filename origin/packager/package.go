package packager

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/vodedge/vodedge/origin/transcode"
)

// Title-level manifest names, next to the rendition directories.
const (
	MasterFile = "master.m3u8"
	MPDFile    = "manifest.mpd"
)

// Variant is a packaged rendition as players and the catalog see it.
type Variant struct {
	transcode.Rendition
	// Codecs is the RFC 6381 string read from init.mp4.
	Codecs string `json:"codecs"`
	// PeakBandwidth is the highest segment bitrate, AverageBandwidth the
	// mean over the title, both in bit/s.
	PeakBandwidth    int64     `json:"peak_bandwidth"`
	AverageBandwidth int64     `json:"average_bandwidth"`
	DurationMS       int64     `json:"duration_ms"`
	Segments         []Segment `json:"-"`
	InitURI          string    `json:"-"`
}

// Result is what Package wrote.
type Result struct {
	Variants   []Variant `json:"variants"`
	DurationMS int64     `json:"duration_ms"`
	// Subtitles are the subtitle renditions, measured.
	Subtitles []SubtitleTrack `json:"subtitles,omitempty"`
}

// Package reads every rendition in dir/{name}/, cuts each subtitle
// track into segments at the video's boundaries, and writes
// dir/master.m3u8 and dir/manifest.mpd. Each file is written to a
// temporary name and renamed, so a crash leaves either no manifest or a
// whole one.
func Package(dir string, renditions []transcode.Rendition, subs ...SubtitleTrack) (*Result, error) {
	res := &Result{}
	for _, r := range renditions {
		v, err := measure(filepath.Join(dir, r.Name), r)
		if err != nil {
			return nil, fmt.Errorf("packager: %s: %w", r.Name, err)
		}
		res.Variants = append(res.Variants, v)
		res.DurationMS = max(res.DurationMS, v.DurationMS)
	}
	if countKind(res.Variants, transcode.Video) == 0 {
		return nil, fmt.Errorf("packager: no video rendition to package")
	}
	var err error
	if res.Subtitles, err = segmentSubtitles(dir, res.Variants, subs); err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(dir, MasterFile), Master(res.Variants, res.Subtitles...)); err != nil {
		return nil, err
	}
	mpd, err := MPD(res.Variants, res.DurationMS, res.Subtitles...)
	if err != nil {
		return nil, err
	}
	return res, writeAtomic(filepath.Join(dir, MPDFile), mpd)
}

// measure parses one rendition's playlist and init segment and measures
// its bandwidth from the segment files' sizes.
func measure(rdir string, r transcode.Rendition) (Variant, error) {
	f, err := os.Open(filepath.Join(rdir, transcode.PlaylistFile))
	if err != nil {
		return Variant{}, err
	}
	pl, err := ParsePlaylist(f)
	f.Close()
	if err != nil {
		return Variant{}, err
	}
	init, err := os.ReadFile(filepath.Join(rdir, pl.InitURI))
	if err != nil {
		return Variant{}, err
	}
	codec, err := Codec(init)
	if err != nil {
		return Variant{}, err
	}
	v := Variant{Rendition: r, Codecs: codec, Segments: pl.Segments, InitURI: pl.InitURI, DurationMS: pl.DurationMS()}
	return v, v.bandwidth(rdir)
}

func (v *Variant) bandwidth(rdir string) error {
	var total int64
	for _, s := range v.Segments {
		st, err := os.Stat(filepath.Join(rdir, s.URI))
		if err != nil {
			return err
		}
		total += st.Size()
		if s.DurationMS >= 100 { // a sliver at the end says nothing about peak rate
			v.PeakBandwidth = max(v.PeakBandwidth, st.Size()*8000/s.DurationMS)
		}
	}
	if v.DurationMS > 0 {
		v.AverageBandwidth = total * 8000 / v.DurationMS
	}
	v.PeakBandwidth = max(v.PeakBandwidth, v.AverageBandwidth)
	return nil
}

func countKind(vs []Variant, k transcode.Kind) int {
	n := 0
	for _, v := range vs {
		if v.Kind == k {
			n++
		}
	}
	return n
}

// writeAtomic writes data to path through a temporary file, fsync and
// rename.
func writeAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".tmp-"+filepath.Base(path)+"-*")
	if err != nil {
		return fmt.Errorf("packager: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return fmt.Errorf("packager: write %s: %w", filepath.Base(path), err)
	}
	return nil
}
