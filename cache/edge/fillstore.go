package edge

import (
	"errors"
	"fmt"

	"github.com/vodedge/vodedge/cache/disktier"
	"github.com/vodedge/vodedge/fill"
)

// FillStore is the disk tier as the fill agent's Store: a file's slices
// are disk records, a tier that takes nothing now (full of pinned files,
// loading, degraded) answers fill.ErrStoreFull.
func FillStore(s *disktier.Store) fill.Store { return fillStore{s} }

type fillStore struct{ s *disktier.Store }

func (f fillStore) Lookup(sliceKey string) (fill.Slice, bool) {
	r, ok := f.s.Lookup(sliceKey, false)
	if !ok {
		return fill.Slice{}, false
	}
	return sliceOf(r), true
}

func (f fillStore) Create(sl fill.Slice) (fill.SliceWriter, error) {
	w, err := f.s.Create(disktier.Record{
		Key: sl.Key, Offset: sl.Offset, Length: sl.Length, ObjSize: sl.ObjSize,
		ETag: sl.ETag, LastModified: sl.LastModified, ContentType: sl.ContentType,
	})
	switch {
	case errors.Is(err, disktier.ErrFull) || errors.Is(err, disktier.ErrNotAdmitting):
		return nil, fmt.Errorf("%w: %w", fill.ErrStoreFull, err)
	case err != nil:
		return nil, err
	}
	return w, nil
}

func (f fillStore) Pin(sliceKey string, pinned bool) (bool, error) { return f.s.Pin(sliceKey, pinned) }

func (f fillStore) List(after string, limit int) ([]fill.Slice, error) {
	rs, err := f.s.List("", after, limit)
	out := make([]fill.Slice, len(rs))
	for i, r := range rs {
		out[i] = sliceOf(r)
	}
	return out, err
}

func sliceOf(r *disktier.Record) fill.Slice {
	return fill.Slice{
		Key: r.Key, Offset: r.Offset, Length: r.Length, ObjSize: r.ObjSize,
		ETag: r.ETag, LastModified: r.LastModified, ContentType: r.ContentType, Pinned: r.Pinned,
	}
}
