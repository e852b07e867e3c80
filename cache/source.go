package cache

import (
	"errors"
	"os"
)

// Tiers, as reported in X-Cache, the access log and metrics.
const (
	tierRAM  = "HIT-RAM"
	tierDisk = "HIT-DISK"
	tierMiss = "MISS"
	tierNone = "NONE" // answered before any lookup (bad request, bad method)
)

// source is one slice as a response reads it. Three types implement it:
// *slice, complete in the RAM tier (object.go); *diskSlice, a file in the
// disk tier (diskslice.go); *fetch, still arriving from the origin
// (fetch.go). The lookup hands sources out; the response layer reads
// them and never asks which kind it has, except to read a disk file into
// the response's own buffer (sendSpan).
//
// An interface rather than a struct with a kind field: the lookup's
// result already carries the version and offset of a slice found in a
// tier, so a RAM hit makes one call through the interface (complete);
// and the value is two words where the old union of three pointers and
// a tier string was five, copied through every call of the response
// path. BenchmarkHandlerHit measured no difference outside the noise
// between the two (see the closing note of doc.go).
type source interface {
	// wait blocks until the slice's version is known and returns it with
	// the slice's offset in the object. A slice in a tier never blocks.
	wait() (*meta, int64, error)
	// complete returns the slice's bytes when they are all in memory as
	// a Go slice.
	complete() ([]byte, bool)
	// length returns the slice's length; wait must have succeeded.
	length() int64
	// next returns bytes of the slice from object position pos on,
	// waiting for them if they are still arriving; io.EOF at the end of
	// the slice. pos must be within the slice; wait must have succeeded.
	next(pos int64) ([]byte, error)
	// sendfile reports whether the slice is sent from a file: a memfd in
	// the RAM tier, or a disk file that needs no verification on this
	// read. openAt then returns a new descriptor of that file positioned
	// at object position pos.
	sendfile() bool
	openAt(pos int64) (*os.File, error)
	// close releases what the source holds open (a verifying reader).
	close()
}

// errNotModified is what waiting on a revalidation that the origin
// answered 304 returns to a request that holds no copy: the slice is
// cached and fresh again, look it up.
var errNotModified = errors.New("cache: revalidated; look the slice up again")

// offsetOf returns a source's offset in the object; wait must have
// succeeded.
func offsetOf(src source) int64 {
	_, off, _ := src.wait()
	return off
}
