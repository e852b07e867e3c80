package cache

import (
	"errors"
	"os"
)

// source is one slice as a response reads it. Three types implement it:
// *slice, complete in the RAM tier (object.go); *diskSlice, a file in the
// disk tier (diskslice.go); *fetch, still arriving from the origin
// (fetch.go). The lookup hands sources out; the response layer reads
// them and never asks which kind it has, except to read a disk file into
// the response's own buffer (sendSlow).
//
// An interface rather than a struct with a kind field, chosen by
// measurement: a slice found in a tier comes back from the lookup with
// its version and offset in the result, so a RAM hit makes one call
// through the interface (complete), and a result holding the interface
// is two words smaller than one holding a struct of a kind and three
// pointers. BenchmarkSourceShape (what a RAM hit does with its source:
// build the result, pass it down, ask for the bytes) measured 14.9 ns
// for the interface and 14.7 ns for the kind field, GOMAXPROCS=1, 8
// runs each on the 2-core machine: the same within the noise, and under
// 0.03 % of a RAM hit's ~850 ns. With no cost to choose by, the
// interface wins on what it says: each kind's behaviour lives with its
// type (object.go, diskslice.go, fetch.go), and no method can forget a
// kind.
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
