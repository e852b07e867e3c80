package disktier

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"time"
)

// ErrCorruptRecord marks an index value that does not decode. Such an
// entry is deleted, never served.
var ErrCorruptRecord = errors.New("disktier: corrupt index record")

// recordVersion is the first byte of every encoded record. Version 1
// records (written before Meta existed) still decode, with Meta nil.
const (
	recordVersion1 = 1
	recordVersion  = 2
)

// maxMetaBytes bounds Record.Meta: the edge's per-object state is a few
// hundred bytes of response headers, and a record is read on every disk
// hit.
const maxMetaBytes = 16 << 10

// Record is the index entry of one stored slice: where its bytes are,
// what the origin said about the object, and how to check the bytes.
type Record struct {
	Key  string // the slice's cache key (not encoded: it is the index key)
	File string // data file path relative to the data directory

	Offset  int64 // slice offset within the object
	Length  int64 // slice length: the data file's size
	ObjSize int64 // the whole object's size

	ETag         string
	LastModified time.Time // zero when unknown
	ContentType  string

	StoredAt time.Time
	Pinned   bool

	// Meta is the edge's per-object HTTP state (response header fields,
	// request and response times), opaque to the tier. At most 16 KiB;
	// nil for objects stored without it (by fill, or before it existed).
	Meta []byte

	ChunkBytes int      // checksum granularity
	CRCs       []uint32 // CRC-32C of each chunk of the data file

	d *disk // the disk the record was read from (not encoded)
	// open is the data file's entry in the open-file cache when it was
	// last acquired (fdcache.go): set on decoded records, so a disk hit on
	// a cached record finds its descriptor without the cache's map. A
	// pointer, so copies of a record share it and copying reads nothing
	// another goroutine writes.
	open *fileHint
}

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// checksum is CRC-32C (hardware-accelerated on amd64 and arm64).
func checksum(p []byte) uint32 { return crc32.Checksum(p, castagnoli) }

func (r *Record) encode() []byte {
	b := make([]byte, 0, 64+len(r.File)+len(r.ETag)+len(r.ContentType)+len(r.Meta)+4*len(r.CRCs))
	b = append(b, recordVersion)
	b = appendString(b, r.File)
	b = binary.AppendVarint(b, r.Offset)
	b = binary.AppendVarint(b, r.Length)
	b = binary.AppendVarint(b, r.ObjSize)
	b = appendString(b, r.ETag)
	b = binary.AppendVarint(b, unixNano(r.LastModified))
	b = appendString(b, r.ContentType)
	b = binary.AppendVarint(b, unixNano(r.StoredAt))
	flags := byte(0)
	if r.Pinned {
		flags |= 1
	}
	b = append(b, flags)
	b = appendString(b, string(r.Meta))
	b = binary.AppendUvarint(b, uint64(r.ChunkBytes))
	b = binary.AppendUvarint(b, uint64(len(r.CRCs)))
	for _, c := range r.CRCs {
		b = binary.LittleEndian.AppendUint32(b, c)
	}
	return binary.LittleEndian.AppendUint32(b, checksum(b))
}

func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

func appendString(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

// decodeRecord parses an index value. Any inconsistency, including a
// record checksum mismatch, is ErrCorruptRecord.
func decodeRecord(key string, v []byte) (*Record, error) {
	if len(v) < 5 || checksum(v[:len(v)-4]) != binary.LittleEndian.Uint32(v[len(v)-4:]) {
		return nil, fmt.Errorf("%w: %q: checksum", ErrCorruptRecord, key)
	}
	body := v[:len(v)-4]
	d := decoder{b: body, s: string(body)} // one copy, which the record's strings share
	version := d.byte()
	if version != recordVersion && version != recordVersion1 {
		return nil, fmt.Errorf("%w: %q: unknown version", ErrCorruptRecord, key)
	}
	r := &Record{Key: key, open: new(fileHint)}
	r.File = d.string()
	r.Offset, r.Length, r.ObjSize = d.varint(), d.varint(), d.varint()
	r.ETag = d.string()
	r.LastModified = fromUnixNano(d.varint())
	r.ContentType = d.string()
	r.StoredAt = fromUnixNano(d.varint())
	r.Pinned = d.byte()&1 != 0
	if version >= recordVersion {
		if m := d.string(); m != "" {
			r.Meta = []byte(m)
		}
	}
	r.ChunkBytes = int(d.uvarint())
	n := d.uvarint()
	if d.err == nil && n > uint64(len(d.b))/4 {
		d.err = errors.New("chunk count")
	}
	if d.err == nil && n > 0 {
		r.CRCs = make([]uint32, n)
		for i := range r.CRCs {
			r.CRCs[i] = d.uint32()
		}
	}
	if err := r.check(d); err != nil {
		return nil, fmt.Errorf("%w: %q: %v", ErrCorruptRecord, key, err)
	}
	return r, nil
}

// check validates a decoded record's invariants.
func (r *Record) check(d decoder) error {
	switch {
	case d.err != nil:
		return d.err
	case len(d.b) != 0:
		return errors.New("trailing bytes")
	case r.Length < 0 || r.Offset < 0 || r.ObjSize < r.Offset+r.Length:
		return errors.New("bad extent")
	case r.ChunkBytes <= 0:
		return errors.New("bad chunk size")
	case int64(len(r.CRCs)) != (r.Length+int64(r.ChunkBytes)-1)/int64(r.ChunkBytes):
		return errors.New("chunk count does not match length")
	case !validFile(r.File):
		return errors.New("bad file name")
	case len(r.Meta) > maxMetaBytes:
		return errors.New("meta too large")
	}
	return nil
}

// decoder reads b front to back. Strings are cut from s, a copy of b
// as it was at the start (so they share one allocation), or copied from
// b when s is empty.
type decoder struct {
	b   []byte
	s   string
	err error
}

func (d *decoder) fail(what string) {
	if d.err == nil {
		d.err = errors.New("truncated " + what)
	}
	d.b = nil
}

func (d *decoder) byte() byte {
	if len(d.b) < 1 {
		d.fail("byte")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("uvarint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail("varint")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) uint32() uint32 {
	if len(d.b) < 4 {
		d.fail("uint32")
		return 0
	}
	v := binary.LittleEndian.Uint32(d.b)
	d.b = d.b[4:]
	return v
}

func (d *decoder) string() string {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail("string")
		return ""
	}
	var s string
	if d.s != "" {
		off := len(d.s) - len(d.b)
		s = d.s[off : off+int(n)]
	} else {
		s = string(d.b[:n])
	}
	d.b = d.b[n:]
	return s
}
