package cluster

import (
	"encoding/binary"
	"fmt"
)

// DecodeMeta parses another node's metadata. It never trusts lengths in
// the input: every string is bounded by its field's limit and by what is
// left of b. It does not validate addresses (a node that sends nonsense
// fails when used, not when heard of).
func DecodeMeta(b []byte) (Meta, error) {
	d := decoder{b: b}
	if len(b) > MaxMetaBytes {
		return Meta{}, d.fail("%d bytes, over the %d-byte limit", len(b), MaxMetaBytes)
	}
	ver := d.byte()
	if d.err == nil && ver == 0 {
		return Meta{}, d.fail("encoding version 0")
	}
	m := Meta{
		Site:      d.string(MaxSiteLen),
		HTTPAddr:  d.string(MaxAddrLen),
		AdminAddr: d.string(MaxAddrLen),
		PeerAddr:  d.string(MaxAddrLen),
		State:     State(d.byte()),
	}
	w := d.uvarint()
	if w > maxWeightMilli {
		d.fail("weight %d/1000 out of range", w)
	}
	m.Weight = float64(w) / 1000
	m.EgressBps, m.CapacityBps = d.uvarint(), d.uvarint()
	m.Version = d.string(MaxVersionLen)
	if ver >= 2 {
		p := d.uvarint()
		if p > 65535 {
			d.fail("TLS port %d", p)
		}
		m.TLSPort = uint16(p)
	}
	if d.err == nil && ver <= metaVersion && len(d.b) > 0 {
		d.fail("%d unexpected trailing bytes", len(d.b))
	}
	return m, d.err
}

// decoder reads fields from b, remembering the first error; after an
// error every read returns a zero value.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail(format string, a ...any) error {
	if d.err == nil {
		d.err = fmt.Errorf("%w: "+format, append([]any{ErrBadMeta}, a...)...)
	}
	return d.err
}

func (d *decoder) byte() byte {
	if d.err != nil || len(d.b) == 0 {
		d.fail("truncated")
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	if d.err != nil {
		return 0
	}
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail("bad or truncated number")
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) string(limit int) string {
	n := d.uvarint()
	if d.err != nil {
		return ""
	}
	if n > uint64(limit) || n > uint64(len(d.b)) {
		d.fail("string of %d bytes (limit %d, %d left)", n, limit, len(d.b))
		return ""
	}
	s := string(d.b[:n])
	d.b = d.b[n:]
	return s
}
