package cache

import (
	"io"
	"os"

	"github.com/vodedge/vodedge/cache/disktier"
)

// diskSlice is a slice found in the disk tier, as a source. Unless it
// must be verified, its file is sent with sendfile (or, when small, read
// into the response's buffer); otherwise it is read through a
// ChunkReader that releases only checksummed bytes.
type diskSlice struct {
	store  *disktier.Store
	rec    *disktier.Record
	meta   *meta
	verify bool
	cr     *disktier.ChunkReader // opened on first use when verify
}

func (d *diskSlice) wait() (*meta, int64, error) { return d.meta, d.rec.Offset, nil }

func (d *diskSlice) complete() ([]byte, bool) { return nil, false }

func (d *diskSlice) length() int64 { return d.rec.Length }

func (d *diskSlice) next(pos int64) ([]byte, error) {
	if err := d.prepare(); err != nil {
		return nil, err
	}
	return d.cr.Next(pos - d.rec.Offset)
}

func (d *diskSlice) sendfile() bool { return !d.verify }

// openAt returns the slice's data file positioned at object position pos.
func (d *diskSlice) openAt(pos int64) (*os.File, error) {
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

func (d *diskSlice) close() {
	if d.cr != nil {
		d.cr.Close()
		d.cr = nil
	}
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

// readAt fills p with the slice's bytes from object position pos. A file
// that cannot be read whole (an I/O error, or shorter than its record)
// is evicted by the store and reported.
func (d *diskSlice) readAt(p []byte, pos int64) error {
	return d.store.ReadAt(d.rec, p, pos-d.rec.Offset)
}
