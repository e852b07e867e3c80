package packager

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/vodedge/vodedge/origin/transcode"
)

// ErrJoin is wrapped when encoded chunks cannot be joined into one
// rendition: a different init segment (codec configuration), a gap or an
// overlap in segment numbers or times.
var ErrJoin = errors.New("packager: chunks do not join")

// Part is one encoded chunk of a rendition: the directory
// transcode.EncodeChunk wrote and the chunk it encoded.
type Part struct {
	Dir   string
	Chunk transcode.Chunk
}

// joined is what Join gathers before it writes anything.
type joined struct {
	init     []byte
	segments []Segment
	dirs     []string // the part directory of each segment
}

// Join assembles the parts of one video rendition (in chunk order) into
// dir, which must exist and should be empty: init.mp4 (the first part's;
// every part's must be byte-identical), every segment (hard-linked, or
// copied across filesystems; never re-encoded) and an index.m3u8 listing
// them all. It checks before writing that segment numbers run on from
// part to part and that each part starts, within one frame, where the
// parts before it end. fps is the rendition's frame rate (the tolerance).
// The parts are left as they are: the caller removes them once dir is in
// place, so a Join interrupted by a crash can run again.
func Join(dir string, fps float64, parts []Part) (transcode.Output, error) {
	j, err := gather(fps, parts)
	if err != nil {
		return transcode.Output{}, err
	}
	out := transcode.Output{Segments: len(j.segments), Bytes: int64(len(j.init))}
	if err := os.WriteFile(filepath.Join(dir, transcode.InitFile), j.init, 0o644); err != nil {
		return out, fmt.Errorf("packager: join: %w", err)
	}
	for i, s := range j.segments {
		n, err := linkOrCopy(filepath.Join(j.dirs[i], s.URI), filepath.Join(dir, s.URI))
		if err != nil {
			return out, fmt.Errorf("packager: join: %w", err)
		}
		out.Bytes += n
	}
	pl := joinedPlaylist(j.segments)
	out.Bytes += int64(len(pl))
	return out, writeAtomic(filepath.Join(dir, transcode.PlaylistFile), pl)
}

// gather reads and checks every part.
func gather(fps float64, parts []Part) (*joined, error) {
	if len(parts) == 0 {
		return nil, fmt.Errorf("%w: no chunks", ErrJoin)
	}
	frame := time.Duration(float64(time.Second) / max(fps, 1))
	j := &joined{}
	var at time.Duration // where the parts so far end
	for i, p := range parts {
		pl, init, err := readPart(p.Dir)
		if err != nil {
			return nil, fmt.Errorf("%w: chunk %d: %w", ErrJoin, p.Chunk.Index, err)
		}
		if err := j.checkPart(i, p, pl, init, at, frame); err != nil {
			return nil, err
		}
		if i == 0 {
			j.init = init
		}
		for _, s := range pl.Segments {
			j.segments = append(j.segments, s)
			j.dirs = append(j.dirs, p.Dir)
		}
		at += time.Duration(pl.DurationMS()) * time.Millisecond
	}
	return j, nil
}

// checkPart checks part i against what came before it.
func (j *joined) checkPart(i int, p Part, pl *MediaPlaylist, init []byte, at, frame time.Duration) error {
	switch {
	case p.Chunk.Index != i:
		return fmt.Errorf("%w: part %d is chunk %d", ErrJoin, i, p.Chunk.Index)
	case i > 0 && !bytes.Equal(init, j.init):
		return fmt.Errorf("%w: chunk %d's %s differs from chunk 0's (codec configuration changed between chunks)", ErrJoin, i, transcode.InitFile)
	case p.Chunk.FirstSegment != len(j.segments):
		return fmt.Errorf("%w: chunk %d starts at segment %d, want %d", ErrJoin, i, p.Chunk.FirstSegment, len(j.segments))
	case absDur(at-p.Chunk.Start) > frame:
		return fmt.Errorf("%w: chunk %d starts at %v but the chunks before it end at %v", ErrJoin, i, p.Chunk.Start, at)
	}
	for k, s := range pl.Segments {
		if want := fmt.Sprintf(transcode.SegmentPattern, p.Chunk.FirstSegment+k); s.URI != want {
			return fmt.Errorf("%w: chunk %d segment %d is %q, want %q", ErrJoin, i, k, s.URI, want)
		}
	}
	return nil
}

// readPart reads a part's playlist and init segment.
func readPart(dir string) (*MediaPlaylist, []byte, error) {
	f, err := os.Open(filepath.Join(dir, transcode.PlaylistFile))
	if err != nil {
		return nil, nil, err
	}
	pl, err := ParsePlaylist(f)
	f.Close()
	if err != nil {
		return nil, nil, err
	}
	if pl.InitURI != transcode.InitFile {
		return nil, nil, fmt.Errorf("init segment %q, want %s", pl.InitURI, transcode.InitFile)
	}
	init, err := os.ReadFile(filepath.Join(dir, pl.InitURI))
	return pl, init, err
}

// joinedPlaylist writes the VOD media playlist of the joined segments.
func joinedPlaylist(segs []Segment) []byte {
	var longest int64
	for _, s := range segs {
		longest = max(longest, s.DurationMS)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:%d\n#EXT-X-MEDIA-SEQUENCE:0\n", (longest+999)/1000)
	fmt.Fprintf(&b, "#EXT-X-PLAYLIST-TYPE:VOD\n#EXT-X-INDEPENDENT-SEGMENTS\n#EXT-X-MAP:URI=%q\n", transcode.InitFile)
	for _, s := range segs {
		fmt.Fprintf(&b, "#EXTINF:%d.%03d000,\n%s\n", s.DurationMS/1000, s.DurationMS%1000, s.URI)
	}
	b.WriteString("#EXT-X-ENDLIST\n")
	return []byte(b.String())
}

// linkOrCopy hard-links src to dst, or copies it when a link is not
// possible (another filesystem), and returns its size.
func linkOrCopy(src, dst string) (int64, error) {
	info, err := os.Stat(src)
	if err != nil {
		return 0, err
	}
	if os.Link(src, dst) == nil {
		return info.Size(), nil
	}
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return n, err
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
