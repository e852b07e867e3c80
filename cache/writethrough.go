package cache

import (
	"errors"
	"io"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/cache/stream"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/origin"
)

// writeThrough copies a fetch's bytes to the disk tier as they arrive,
// a disktier.WriteBatch at a time: one more reader of the fetch's
// stream.Buffer, so the disk never slows the clients and the slice is on
// disk as soon as its last byte is.
type writeThrough struct {
	done chan struct{}
}

// startWriteThrough begins storing f on disk; it returns nil (a no-op)
// when there is no disk tier or it admits nothing now.
func (fl *flights) startWriteThrough(f *fetch, obj *origin.Object) *writeThrough {
	if fl.disk == nil {
		return nil
	}
	w, err := fl.disk.Create(disktier.Record{
		Key: cachekey.SliceKey(f.meta.key, f.w.idx), Offset: obj.Offset, Length: obj.Length, ObjSize: obj.Size,
		ETag: obj.ETag, LastModified: obj.LastModified, ContentType: obj.ContentType,
		Meta: encodeStored(f.meta.st.Load(), f.meta.fwd),
	})
	if err != nil {
		fl.metrics.diskSkipped.WithLabelValues(skipReason(err)).Inc()
		return nil
	}
	wt := &writeThrough{done: make(chan struct{})}
	fl.begin()
	go func() {
		defer fl.end()
		defer close(wt.done)
		fl.copyToDisk(f, w)
	}()
	return wt
}

func (fl *flights) copyToDisk(f *fetch, w *disktier.Writer) {
	for off := 0; ; {
		p, err := nextBatch(f.body, off)
		if len(p) > 0 {
			if _, werr := w.Write(p); werr != nil {
				w.Abort()
				fl.log.Warn("disk write-through failed", "key", f.w.obj, "slice", f.w.idx, "err", werr)
				return
			}
			off += len(p)
		}
		if err == io.EOF && !f.purged.Load() {
			if cerr := w.Commit(); cerr != nil {
				fl.log.Warn("disk commit failed", "key", f.w.obj, "slice", f.w.idx, "err", cerr)
			}
			return
		}
		if err != nil {
			w.Abort()
			return
		}
	}
}

// nextBatch returns the fetch's bytes from off on once there are at
// least disktier.WriteBatch of them (cut to whole batches) or the stream
// has ended (the error as Next's): the disk tier then writes them as
// they are, in writes as large as the page cache's folios can be,
// without gathering them in a buffer of its own. The stream's bytes are
// contiguous: Next(off) returns all of them from off on.
func nextBatch(b *stream.Buffer, off int) ([]byte, error) {
	p, err := b.Next(off)
	for err == nil && len(p) < disktier.WriteBatch {
		if _, err = b.Next(off + len(p)); err == nil { // waits for more
			p, err = b.Next(off)
		}
	}
	if err == nil {
		p = p[:len(p)-len(p)%disktier.WriteBatch]
	}
	return p, err
}

// wait blocks until the write-through has committed or given up.
func (wt *writeThrough) wait() {
	if wt != nil {
		<-wt.done
	}
}

func skipReason(err error) string {
	switch {
	case errors.Is(err, disktier.ErrNotAdmitting):
		return "not_admitting"
	case errors.Is(err, disktier.ErrFull):
		return "full"
	}
	return "error"
}
