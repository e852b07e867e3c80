package cache

import (
	"errors"
	"io"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/internal/cachekey"
	"github.com/vodedge/vodedge/origin"
)

// writeThrough copies a fetch's bytes to the disk tier as they arrive:
// one more reader of the fetch's stream.Buffer, so the disk never slows
// the clients and the slice is on disk as soon as its last byte is.
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
		p, err := f.body.Next(off)
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
