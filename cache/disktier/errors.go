package disktier

import (
	"errors"
	"fmt"
)

// Errors callers classify.
var (
	// ErrNotAdmitting is returned by Create while the tier is loading or
	// degraded: the caller serves the object without storing it.
	ErrNotAdmitting = errors.New("disktier: not admitting new objects")
	// ErrFull means no space could be freed: everything left is pinned.
	ErrFull = errors.New("disktier: full (everything left is pinned)")
	// ErrChecksum marks stored bytes that do not match their checksum.
	ErrChecksum = errors.New("disktier: checksum mismatch")
	// ErrNotFound means the key is not stored (or its file vanished).
	ErrNotFound = errors.New("disktier: not found")
	// ErrNoDisk means no disk is in service; it is an ErrNotAdmitting.
	ErrNoDisk = fmt.Errorf("%w: no disk in service", ErrNotAdmitting)
)
