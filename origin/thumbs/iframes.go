package thumbs

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/vodedge/vodedge/origin/packager"
	"github.com/vodedge/vodedge/origin/transcode"
)

// IFramesFile is a rendition's I-frame playlist, beside its index.m3u8.
const IFramesFile = "iframes.m3u8"

// IFrame is one entry of an I-frame playlist.
type IFrame struct {
	URI            string
	Offset, Length int64
	DurationMS     int64
}

// IFrames is what WriteIFrames wrote for one rendition.
type IFrames struct {
	Entries []IFrame
	// PeakBandwidth and AverageBandwidth are in bit/s, over the I-frame
	// bytes only (what a player fetches while scrubbing).
	PeakBandwidth, AverageBandwidth int64
}

// WriteIFrames reads the rendition in rdir (its index.m3u8 and
// segments) and writes rdir/iframes.m3u8: one entry per segment, a byte
// range over the segment's first keyframe, lasting until the next.
func WriteIFrames(rdir string) (*IFrames, error) {
	f, err := os.Open(filepath.Join(rdir, transcode.PlaylistFile))
	if err != nil {
		return nil, err
	}
	pl, err := packager.ParsePlaylist(f)
	f.Close()
	if err != nil {
		return nil, err
	}
	res := &IFrames{}
	for _, s := range pl.Segments {
		e, err := keyframeOf(rdir, s)
		if err != nil {
			return nil, err
		}
		res.Entries = append(res.Entries, e)
	}
	res.bandwidth()
	if err := writeFile(filepath.Join(rdir, IFramesFile), IFramePlaylist(pl.InitURI, res.Entries)); err != nil {
		return nil, err
	}
	return res, nil
}

func keyframeOf(rdir string, s packager.Segment) (IFrame, error) {
	f, err := os.Open(filepath.Join(rdir, s.URI))
	if err != nil {
		return IFrame{}, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return IFrame{}, err
	}
	off, n, err := KeyframeRange(f, st.Size())
	if err != nil {
		return IFrame{}, fmt.Errorf("%s: %w", s.URI, err)
	}
	return IFrame{URI: s.URI, Offset: off, Length: n, DurationMS: s.DurationMS}, nil
}

func (r *IFrames) bandwidth() {
	var bytes, ms int64
	for _, e := range r.Entries {
		bytes, ms = bytes+e.Length, ms+e.DurationMS
		if e.DurationMS >= 100 {
			r.PeakBandwidth = max(r.PeakBandwidth, e.Length*8000/e.DurationMS)
		}
	}
	if ms > 0 {
		r.AverageBandwidth = bytes * 8000 / ms
	}
	r.PeakBandwidth = max(r.PeakBandwidth, r.AverageBandwidth)
}

// IFramePlaylist renders an I-frame playlist over the segments of a
// CMAF rendition whose init segment is initURI.
func IFramePlaylist(initURI string, entries []IFrame) []byte {
	var b strings.Builder
	var target int64
	for _, e := range entries {
		target = max(target, (e.DurationMS+999)/1000)
	}
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n", target)
	b.WriteString("#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-I-FRAMES-ONLY\n#EXT-X-INDEPENDENT-SEGMENTS\n")
	fmt.Fprintf(&b, "#EXT-X-MAP:URI=%q\n", initURI)
	for _, e := range entries {
		fmt.Fprintf(&b, "#EXTINF:%.3f,\n#EXT-X-BYTERANGE:%d@%d\n%s\n", float64(e.DurationMS)/1000, e.Length, e.Offset, e.URI)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}

// StreamInf is the master playlist's line for a rendition's I-frame
// playlist.
type StreamInf struct {
	Rendition     string // directory name
	Codecs        string
	Width, Height int
	IFrames       *IFrames
}

func (s StreamInf) line() string {
	return fmt.Sprintf("#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=%d,AVERAGE-BANDWIDTH=%d,CODECS=%q,RESOLUTION=%dx%d,URI=%q\n",
		s.IFrames.PeakBandwidth, s.IFrames.AverageBandwidth, s.Codecs, s.Width, s.Height, s.Rendition+"/"+IFramesFile)
}

// AddToMaster rewrites the master playlist at path with one
// EXT-X-I-FRAME-STREAM-INF line per stream at its end, replacing any
// such lines a previous run added.
func AddToMaster(path string, streams []StreamInf) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var b strings.Builder
	for line := range strings.Lines(string(data)) {
		if !strings.HasPrefix(line, "#EXT-X-I-FRAME-STREAM-INF:") {
			b.WriteString(line)
		}
	}
	for _, s := range streams {
		b.WriteString(s.line())
	}
	return writeFile(path, []byte(b.String()))
}

// writeFile writes data to path through a temporary file and a rename,
// so a reader sees the old file or the new one.
func writeFile(path string, data []byte) error {
	tmp := filepath.Join(filepath.Dir(path), ".tmp-"+filepath.Base(path))
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return fmt.Errorf("thumbs: write %s: %w", filepath.Base(path), err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("thumbs: write %s: %w", filepath.Base(path), err)
	}
	return nil
}
