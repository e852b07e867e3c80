package testenv

import "io"

// Pattern is deterministic test content of any size without storing it:
// the byte at position i of every pattern object.
func Pattern(i int64) byte { return byte(i*31 + i>>9 + i>>17) }

// PatternBytes returns bytes [from, to) of the pattern.
func PatternBytes(from, to int64) []byte {
	b := make([]byte, to-from)
	for i := range b {
		b[i] = Pattern(from + int64(i))
	}
	return b
}

// PatternReader is an io.ReadSeeker over pattern bytes [0, Size).
type PatternReader struct{ Pos, Size int64 }

func (p *PatternReader) Read(b []byte) (int, error) {
	if p.Pos >= p.Size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), p.Size-p.Pos))
	for i := range n {
		b[i] = Pattern(p.Pos + int64(i))
	}
	p.Pos += int64(n)
	return n, nil
}

func (p *PatternReader) Seek(off int64, whence int) (int64, error) {
	p.Pos = seek(p.Pos, p.Size, off, whence)
	return p.Pos, nil
}

func seek(pos, size, off int64, whence int) int64 {
	switch whence {
	case io.SeekStart:
		return off
	case io.SeekCurrent:
		return pos + off
	case io.SeekEnd:
		return size + off
	}
	return pos
}

// funcReader is an io.ReadSeeker over bytes(from, to) for [0, size).
type funcReader struct {
	pos, size int64
	bytes     func(from, to int64) []byte
}

func (f *funcReader) Read(b []byte) (int, error) {
	if f.pos >= f.size {
		return 0, io.EOF
	}
	n := copy(b, f.bytes(f.pos, min(f.pos+int64(len(b)), f.size)))
	f.pos += int64(n)
	return n, nil
}

func (f *funcReader) Seek(off int64, whence int) (int64, error) {
	f.pos = seek(f.pos, f.size, off, whence)
	return f.pos, nil
}
