package thumbs

import (
	"encoding/binary"
	"fmt"
	"io"
)

// box is an ISO BMFF box header: its type, where it starts, its header
// and total sizes.
type box struct {
	typ       string
	off, size int64
	hdr       int64
}

// maxHeader is how much of a moof KeyframeRange reads at most.
const maxHeader = 1 << 20

// nextBox reads the box header at off in a file of length end.
func nextBox(r io.ReaderAt, off, end int64) (box, error) {
	var h [16]byte
	if end-off < 8 {
		return box{}, fmt.Errorf("%w: truncated box at %d", ErrNotKeyframe, off)
	}
	if _, err := r.ReadAt(h[:8], off); err != nil {
		return box{}, fmt.Errorf("%w: box at %d: %w", ErrNotKeyframe, off, err)
	}
	b := box{typ: string(h[4:8]), off: off, size: int64(binary.BigEndian.Uint32(h[:4])), hdr: 8}
	switch b.size {
	case 0:
		b.size = end - off
	case 1:
		if end-off < 16 {
			return box{}, fmt.Errorf("%w: truncated box at %d", ErrNotKeyframe, off)
		}
		if _, err := r.ReadAt(h[8:16], off+8); err != nil {
			return box{}, fmt.Errorf("%w: box at %d: %w", ErrNotKeyframe, off, err)
		}
		b.size, b.hdr = int64(binary.BigEndian.Uint64(h[8:16])), 16
	}
	if b.size < b.hdr || b.size > end-off {
		return box{}, fmt.Errorf("%w: box %q at %d has a bad size %d", ErrNotKeyframe, printable(b.typ), off, b.size)
	}
	return b, nil
}

// children lists the boxes inside data (a container's payload).
func children(data []byte) ([]box, error) {
	var out []box
	for off := int64(0); off < int64(len(data)); {
		if len(data)-int(off) < 8 {
			return nil, fmt.Errorf("%w: truncated box in a moof", ErrNotKeyframe)
		}
		size := int64(binary.BigEndian.Uint32(data[off:]))
		if size < 8 || size > int64(len(data))-off {
			return nil, fmt.Errorf("%w: bad box size %d in a moof", ErrNotKeyframe, size)
		}
		out = append(out, box{typ: string(data[off+4 : off+8]), off: off, size: size, hdr: 8})
		off += size
	}
	return out, nil
}

func find(boxes []box, typ string) (box, bool) {
	for _, b := range boxes {
		if b.typ == typ {
			return b, true
		}
	}
	return box{}, false
}

func printable(s string) string {
	for _, c := range []byte(s) {
		if c < 0x20 || c > 0x7e {
			return fmt.Sprintf("%x", s)
		}
	}
	return s
}
