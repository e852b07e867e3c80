package cache

import (
	"fmt"
	"io"

	"github.com/vodedge/vodedge/origin"
)

// Tiers, as reported in X-Cache, the access log and metrics.
const (
	tierRAM  = "HIT-RAM"
	tierDisk = "HIT-DISK"
	tierMiss = "MISS"
	tierNone = "NONE" // answered before any lookup (bad request, bad method)
)

// source is one slice as a response reads it: complete (sl) or still
// arriving from the origin (f).
type source struct {
	tier string
	sl   *slice
	f    *fetch
}

// wait blocks until the slice's metadata is known and returns it with the
// slice's offset in the object. For a complete slice it does not block.
func (src source) wait() (*meta, int64, error) {
	if src.sl != nil {
		if src.sl.notFound {
			return nil, 0, fmt.Errorf("cache: remembered 404: %w", origin.ErrNotFound)
		}
		return src.sl.meta, src.sl.off, nil
	}
	<-src.f.ready
	if src.f.err != nil {
		return nil, 0, src.f.err
	}
	return src.f.meta, src.f.off, nil
}

// complete returns the slice's bytes when they are all in memory.
func (src source) complete() ([]byte, bool) {
	if src.sl != nil {
		return src.sl.data, true
	}
	if b := src.f.body.Bytes(); b != nil {
		return b, true
	}
	return nil, false
}

// next returns bytes of the slice from object position pos on, waiting for
// them if they are still arriving. pos must be within the slice. It
// returns io.EOF at the end of the slice. wait must have succeeded.
func (src source) next(pos int64) ([]byte, error) {
	if src.sl != nil {
		rel := pos - src.sl.off
		if rel >= int64(len(src.sl.data)) {
			return nil, io.EOF
		}
		return src.sl.data[rel:], nil
	}
	return src.f.body.Next(int(pos - src.f.off))
}
