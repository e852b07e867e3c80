package thumbs

import (
	"encoding/binary"
	"fmt"
	"io"
)

// KeyframeRange finds, in a CMAF segment of size bytes, the byte range
// of its first movie fragment up to the end of that fragment's first
// sample: what an I-frame playlist entry names. It refuses a segment
// whose first fragment does not begin with a sync sample.
func KeyframeRange(r io.ReaderAt, size int64) (off, length int64, err error) {
	for pos := int64(0); pos < size; {
		b, err := nextBox(r, pos, size)
		if err != nil {
			return 0, 0, err
		}
		if b.typ == "moof" {
			return moofKeyframe(r, b, size)
		}
		if b.typ == "mdat" {
			return 0, 0, fmt.Errorf("%w: media data before any moof", ErrNotKeyframe)
		}
		pos += b.size
	}
	return 0, 0, fmt.Errorf("%w: no moof", ErrNotKeyframe)
}

// moofKeyframe reads the moof's first traf.
func moofKeyframe(r io.ReaderAt, moof box, size int64) (int64, int64, error) {
	if moof.size > maxHeader {
		return 0, 0, fmt.Errorf("%w: moof of %d bytes", ErrNotKeyframe, moof.size)
	}
	data := make([]byte, moof.size-moof.hdr)
	if _, err := r.ReadAt(data, moof.off+moof.hdr); err != nil {
		return 0, 0, fmt.Errorf("%w: moof: %w", ErrNotKeyframe, err)
	}
	kids, err := children(data)
	if err != nil {
		return 0, 0, err
	}
	traf, ok := find(kids, "traf")
	if !ok {
		return 0, 0, fmt.Errorf("%w: moof without traf", ErrNotKeyframe)
	}
	tf, err := readTraf(data[traf.off+traf.hdr : traf.off+traf.size])
	if err != nil {
		return 0, 0, err
	}
	if tf.firstFlags&sampleNonSync != 0 {
		return 0, 0, fmt.Errorf("%w: the first sample is not a sync sample", ErrNotKeyframe)
	}
	base := moof.off
	if tf.hasBase {
		base = tf.base
	}
	end := base + tf.dataOffset + tf.firstSize
	switch {
	case tf.firstSize == 0 || end <= moof.off+moof.size:
		return 0, 0, fmt.Errorf("%w: the first sample lies inside the moof", ErrNotKeyframe)
	case end > size:
		return 0, 0, fmt.Errorf("%w: the first sample ends past the segment (%d > %d)", ErrNotKeyframe, end, size)
	}
	return moof.off, end - moof.off, nil
}

// sampleNonSync is sample_is_non_sync_sample in the sample flags.
const sampleNonSync = 0x10000

// traf is what KeyframeRange needs from a track fragment.
type traf struct {
	hasBase    bool
	base       int64
	dataOffset int64
	firstSize  int64
	firstFlags uint32
}

// readTraf reads tfhd's defaults and trun's first sample.
func readTraf(data []byte) (traf, error) {
	kids, err := children(data)
	if err != nil {
		return traf{}, err
	}
	hd, ok1 := find(kids, "tfhd")
	run, ok2 := find(kids, "trun")
	if !ok1 || !ok2 {
		return traf{}, fmt.Errorf("%w: traf without tfhd or trun", ErrNotKeyframe)
	}
	var t traf
	defSize, defFlags, err := t.tfhd(data[hd.off+hd.hdr : hd.off+hd.size])
	if err != nil {
		return traf{}, err
	}
	return t, t.trun(data[run.off+run.hdr:run.off+run.size], defSize, defFlags)
}

// tfhd reads the base data offset and the default sample size and flags.
func (t *traf) tfhd(p []byte) (defSize, defFlags uint32, err error) {
	fr := fields{p: p}
	flags := fr.u32() & 0xffffff
	fr.u32() // track_ID
	if flags&0x1 != 0 {
		t.hasBase, t.base = true, int64(fr.u64())
	}
	if flags&0x2 != 0 {
		fr.u32() // sample_description_index
	}
	if flags&0x8 != 0 {
		fr.u32() // default_sample_duration
	}
	if flags&0x10 != 0 {
		defSize = fr.u32()
	}
	if flags&0x20 != 0 {
		defFlags = fr.u32()
	}
	if fr.bad || t.base < 0 || t.base > 1<<40 {
		return 0, 0, fmt.Errorf("%w: bad tfhd", ErrNotKeyframe)
	}
	return defSize, defFlags, nil
}

// trun reads the data offset and the first sample's size and flags.
func (t *traf) trun(p []byte, defSize, defFlags uint32) error {
	fr := fields{p: p}
	flags := fr.u32() & 0xffffff
	if fr.u32() == 0 {
		return fmt.Errorf("%w: empty trun", ErrNotKeyframe)
	}
	if flags&0x1 != 0 {
		t.dataOffset = int64(int32(fr.u32()))
	}
	t.firstSize, t.firstFlags = int64(defSize), defFlags
	if flags&0x4 != 0 {
		t.firstFlags = fr.u32()
	}
	if flags&0x100 != 0 {
		fr.u32() // sample_duration
	}
	if flags&0x200 != 0 {
		t.firstSize = int64(fr.u32())
	}
	if flags&0x400 != 0 && flags&0x4 == 0 {
		t.firstFlags = fr.u32()
	}
	if fr.bad {
		return fmt.Errorf("%w: truncated trun", ErrNotKeyframe)
	}
	return nil
}

// fields reads big-endian integers, remembering a short read.
type fields struct {
	p   []byte
	bad bool
}

func (f *fields) u32() uint32 {
	if len(f.p) < 4 {
		f.bad = true
		return 0
	}
	v := binary.BigEndian.Uint32(f.p)
	f.p = f.p[4:]
	return v
}

func (f *fields) u64() uint64 {
	if len(f.p) < 8 {
		f.bad = true
		return 0
	}
	v := binary.BigEndian.Uint64(f.p)
	f.p = f.p[8:]
	return v
}
