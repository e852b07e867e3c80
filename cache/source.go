package cache

import (
	"errors"
	"io"
	"os"

	"github.com/vodedge/vodedge/cache/disktier"
)

// Tiers, as reported in X-Cache, the access log and metrics.
const (
	tierRAM  = "HIT-RAM"
	tierDisk = "HIT-DISK"
	tierMiss = "MISS"
	tierNone = "NONE" // answered before any lookup (bad request, bad method)
)

// source is one slice as a response reads it: complete in memory (sl),
// still arriving from the origin (f), or on disk (d).
type source struct {
	tier string
	sl   *slice
	f    *fetch
	d    *diskSlice
}

// diskSlice is a slice found in the disk tier. Unless it must be
// verified, its file is sent with sendfile; otherwise it is read through
// a ChunkReader that releases only checksummed bytes.
type diskSlice struct {
	store  *disktier.Store
	rec    *disktier.Record
	meta   *meta
	verify bool
	cr     *disktier.ChunkReader // opened on first use when verify
}

// errNotModified is what waiting on a revalidation that the origin
// answered 304 returns to a request that holds no copy: the slice is
// cached and fresh again, look it up.
var errNotModified = errors.New("cache: revalidated; look the slice up again")

// wait blocks until the slice's metadata is known and returns it with the
// slice's offset in the object. For a complete slice it does not block.
func (src source) wait() (*meta, int64, error) {
	switch {
	case src.sl != nil:
		return src.sl.meta, src.sl.off, nil
	case src.d != nil:
		return src.d.meta, src.d.rec.Offset, nil
	}
	<-src.f.ready
	switch {
	case src.f.err != nil:
		return nil, 0, src.f.err
	case src.f.notModified:
		return src.f.meta, 0, errNotModified
	}
	return src.f.meta, src.f.off, nil
}

// cachedMeta returns the metadata of a slice found in a tier.
func (src source) cachedMeta() *meta {
	if src.sl != nil {
		return src.sl.meta
	}
	return src.d.meta
}

// pinned reports whether the slice is held by a fill manifest: fresh
// while pinned.
func (s *Server) pinned(src source, sk string) bool {
	if src.d != nil {
		return src.d.rec.Pinned
	}
	return s.disk != nil && s.disk.Pinned(sk)
}

// complete returns the slice's bytes when they are all in memory as a Go
// slice.
func (src source) complete() ([]byte, bool) {
	switch {
	case src.sl != nil:
		return src.sl.data, src.sl.mf == nil
	case src.d != nil:
		return nil, false
	}
	if b := src.f.body.Bytes(); b != nil {
		return b, true
	}
	return nil, false
}

// length returns the slice's length. wait must have succeeded.
func (src source) length() int64 {
	switch {
	case src.sl != nil:
		return src.sl.length()
	case src.d != nil:
		return src.d.rec.Length
	}
	return src.f.length
}

// sendfile reports whether the slice is sent from a file: a memfd in the
// RAM tier, or a disk file that needs no verification on this read.
func (src source) sendfile() bool {
	return (src.d != nil && !src.d.verify) || (src.sl != nil && src.sl.mf != nil)
}

// openAt returns a new descriptor of the slice's file positioned at
// object position pos; sendfile must be true.
func (src source) openAt(pos int64) (*os.File, error) {
	if src.sl != nil {
		return src.sl.mf.Open(pos - src.sl.off)
	}
	return src.d.open(pos)
}

// offset returns the slice's offset in the object; wait must have
// succeeded.
func (src source) offset() int64 {
	_, off, _ := src.wait()
	return off
}

// next returns bytes of the slice from object position pos on, waiting for
// them if they are still arriving. pos must be within the slice. It
// returns io.EOF at the end of the slice. wait must have succeeded.
func (src source) next(pos int64) ([]byte, error) {
	switch {
	case src.sl != nil && src.sl.mf != nil:
		return readMemfile(src.sl, pos)
	case src.sl != nil:
		rel := pos - src.sl.off
		if rel >= int64(len(src.sl.data)) {
			return nil, io.EOF
		}
		return src.sl.data[rel:], nil
	case src.d != nil:
		return src.d.next(pos)
	}
	return src.f.body.Next(int(pos - src.f.off))
}

func (d *diskSlice) next(pos int64) ([]byte, error) {
	if err := d.prepare(); err != nil {
		return nil, err
	}
	return d.cr.Next(pos - d.rec.Offset)
}

// prepare opens the verifying reader; an unreadable slice is evicted by
// the store and reported here, before anything was sent.
func (d *diskSlice) prepare() error {
	if d.cr != nil {
		return nil
	}
	cr, err := d.store.NewChunkReader(d.rec)
	if err != nil {
		return err
	}
	d.cr = cr
	return nil
}

// open returns the slice's data file positioned at object position pos.
func (d *diskSlice) open(pos int64) (*os.File, error) {
	f, err := d.store.Open(d.rec)
	if err != nil {
		return nil, err
	}
	if _, err := f.Seek(pos-d.rec.Offset, io.SeekStart); err != nil {
		f.Close()
		d.store.ReadFailed(d.rec, err)
		return nil, err
	}
	return f, nil
}

// readAt fills p with the slice's bytes from object position pos. A file
// that cannot be read whole (an I/O error, or shorter than its record)
// is evicted by the store and reported.
func (d *diskSlice) readAt(p []byte, pos int64) error {
	return d.store.ReadAt(d.rec, p, pos-d.rec.Offset)
}

// release closes what the source holds open.
func (src source) release() {
	if src.d != nil && src.d.cr != nil {
		src.d.cr.Close()
		src.d.cr = nil
	}
}

// readMemfile copies up to 64 KiB of a memfd slice from pos, for readers
// that cannot take a file (Read rather than WriteTo).
func readMemfile(sl *slice, pos int64) ([]byte, error) {
	rel := pos - sl.off
	if rel >= sl.mf.Size() {
		return nil, io.EOF
	}
	p := make([]byte, min(64<<10, sl.mf.Size()-rel))
	n, err := sl.mf.ReadAt(p, rel)
	if n > 0 {
		return p[:n], nil
	}
	return nil, err
}
