package fill

import (
	"errors"
	"io"
	"time"
)

// ErrStoreFull marks a Store.Create error after which no other source is
// tried for the file: the store takes nothing now (full of pinned files,
// still loading, or degraded). The file is fetched again on the next pass.
var ErrStoreFull = errors.New("fill: the store takes nothing now")

// Slice is one stored slice of a file, as the agent reads and writes it:
// the part of a disk record it needs.
type Slice struct {
	Key                     string // cachekey.SliceKey(file key, index)
	Offset, Length, ObjSize int64
	ETag                    string
	LastModified            time.Time
	ContentType             string
	Pinned                  bool // as stored; changed with Store.Pin
}

// SliceWriter receives one slice's bytes. Nothing is visible until
// Commit; Abort discards what was written.
type SliceWriter interface {
	io.Writer
	Commit() error
	Abort()
}

// Store is what the agent needs of the node's disk store: the edge's disk
// tier (cache/disktier), adapted where the node is assembled (cache/edge),
// so that the agent depends on no storage engine and a store spread over
// many disks places a file's slices by its own rule.
type Store interface {
	// Lookup returns the stored slice, without counting it as a hit.
	Lookup(sliceKey string) (Slice, bool)
	// Create starts storing s (Pinned is ignored); errors wrapping
	// ErrStoreFull stop the file.
	Create(s Slice) (SliceWriter, error)
	// Pin pins or unpins a stored slice; false when it is not stored.
	Pin(sliceKey string, pinned bool) (bool, error)
	// List returns up to limit stored slices with keys after after, in
	// key order.
	List(after string, limit int) ([]Slice, error)
}
