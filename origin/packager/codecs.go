package packager

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"strings"
)

// ErrBadInit is wrapped when init.mp4 does not yield a codec string.
var ErrBadInit = errors.New("packager: bad init segment")

// AACLC is the codec string of the audio renditions (ffmpeg's native AAC
// encoder writes AAC-LC).
const AACLC = "mp4a.40.2"

// Codec returns the RFC 6381 codec string of the first track of an init
// segment: "avc1.64001F", "hvc1.1.6.L93.B0", "av01.0.04M.08" or AACLC.
func Codec(init []byte) (string, error) {
	entry, body, err := sampleEntry(init)
	if err != nil {
		return "", err
	}
	switch entry {
	case "avc1", "avc3":
		return avcCodec(entry, body)
	case "hvc1", "hev1":
		return hevcCodec(entry, body)
	case "av01":
		return av1Codec(body)
	case "mp4a":
		return AACLC, nil
	}
	return "", fmt.Errorf("%w: sample entry %q is not a supported codec", ErrBadInit, entry)
}

// sampleEntry walks moov/trak/mdia/minf/stbl/stsd to the first sample
// entry and returns its type and the boxes after its fixed fields.
func sampleEntry(data []byte) (string, []byte, error) {
	b := data
	for _, name := range []string{"moov", "trak", "mdia", "minf", "stbl", "stsd"} {
		var ok bool
		if b, ok = findBox(b, name); !ok {
			return "", nil, fmt.Errorf("%w: no %s box", ErrBadInit, name)
		}
	}
	if len(b) < 8 { // stsd: version+flags, entry count
		return "", nil, fmt.Errorf("%w: short stsd", ErrBadInit)
	}
	typ, entry, ok := firstBox(b[8:])
	if !ok {
		return "", nil, fmt.Errorf("%w: no sample entry", ErrBadInit)
	}
	skip := 78 // SampleEntry (8) + VisualSampleEntry (70)
	if typ == "mp4a" {
		skip = 28 // SampleEntry (8) + AudioSampleEntry (20)
	}
	if len(entry) < skip {
		return "", nil, fmt.Errorf("%w: short %s sample entry", ErrBadInit, typ)
	}
	return typ, entry[skip:], nil
}

// findBox returns the payload of the first box named name in b.
func findBox(b []byte, name string) ([]byte, bool) {
	for len(b) >= 8 {
		typ, payload, size := box(b)
		if size == 0 {
			return nil, false
		}
		if typ == name {
			return payload, true
		}
		b = b[size:]
	}
	return nil, false
}

func firstBox(b []byte) (string, []byte, bool) {
	typ, payload, size := box(b)
	return typ, payload, size > 0
}

// box parses one box header; size 0 means malformed.
func box(b []byte) (typ string, payload []byte, size uint64) {
	if len(b) < 8 {
		return "", nil, 0
	}
	size, hdr := uint64(binary.BigEndian.Uint32(b)), uint64(8)
	switch size {
	case 0: // to the end
		size = uint64(len(b))
	case 1: // 64-bit size follows
		if len(b) < 16 {
			return "", nil, 0
		}
		size, hdr = binary.BigEndian.Uint64(b[8:]), 16
	}
	if size < hdr || size > uint64(len(b)) {
		return "", nil, 0
	}
	return string(b[4:8]), b[hdr:size], size
}

func avcCodec(entry string, b []byte) (string, error) {
	c, ok := findBox(b, "avcC")
	if !ok || len(c) < 4 {
		return "", fmt.Errorf("%w: no avcC", ErrBadInit)
	}
	return fmt.Sprintf("%s.%02X%02X%02X", entry, c[1], c[2], c[3]), nil
}

// hevcCodec follows ISO/IEC 14496-15 annex E.
func hevcCodec(entry string, b []byte) (string, error) {
	c, ok := findBox(b, "hvcC")
	if !ok || len(c) < 13 {
		return "", fmt.Errorf("%w: no hvcC", ErrBadInit)
	}
	space := []string{"", "A", "B", "C"}[c[1]>>6]
	tier := "L"
	if c[1]&0x20 != 0 {
		tier = "H"
	}
	compat := bits.Reverse32(binary.BigEndian.Uint32(c[2:6]))
	s := fmt.Sprintf("%s.%s%d.%X.%s%d", entry, space, c[1]&0x1f, compat, tier, c[12])
	constraints := c[6:12]
	for len(constraints) > 0 && constraints[len(constraints)-1] == 0 {
		constraints = constraints[:len(constraints)-1]
	}
	var sb strings.Builder
	for _, x := range constraints {
		fmt.Fprintf(&sb, ".%X", x)
	}
	return s + sb.String(), nil
}

// av1Codec follows the AV1 codec ISO media file format binding, 5.
func av1Codec(b []byte) (string, error) {
	c, ok := findBox(b, "av1C")
	if !ok || len(c) < 3 {
		return "", fmt.Errorf("%w: no av1C", ErrBadInit)
	}
	profile, level := c[1]>>5, c[1]&0x1f
	tier := "M"
	if c[2]&0x80 != 0 {
		tier = "H"
	}
	depth := 8
	if c[2]&0x40 != 0 {
		depth = 10
		if profile == 2 && c[2]&0x20 != 0 {
			depth = 12
		}
	}
	return fmt.Sprintf("av01.%d.%02d%s.%02d", profile, level, tier, depth), nil
}
