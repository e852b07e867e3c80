package httprange

import (
	"errors"
	"fmt"
)

// Range is a byte range with inclusive Start and End positions, as written in
// a Content-Range header: bytes Start-End/size.
type Range struct{ Start, End int64 }

// Length returns the number of bytes in r.
func (r Range) Length() int64 { return r.End - r.Start + 1 }

// Errors returned by Parse. Compare with errors.Is: ErrTooLarge wraps
// ErrInvalid.
var (
	// ErrNoRange reports an absent or empty Range header: serve 200.
	ErrNoRange = errors.New("httprange: no Range header")
	// ErrInvalid reports a header that is not a valid bytes range set:
	// ignore it and serve 200.
	ErrInvalid = errors.New("httprange: invalid Range header")
	// ErrTooLarge reports a header with more than MaxRanges range-specs or
	// longer than MaxHeaderLen bytes. It is an ErrInvalid.
	ErrTooLarge = fmt.Errorf("%w: too many ranges or too long", ErrInvalid)
	// ErrUnsatisfiable reports a valid header none of whose ranges overlaps
	// the representation: answer 416 with AppendUnsatisfied.
	ErrUnsatisfiable = errors.New("httprange: range not satisfiable")
)

// Limits on the Range header accepted by Parse.
const (
	// MaxRanges is the most range-specs a header may hold, satisfiable or
	// not; empty list elements do not count.
	MaxRanges = 32
	// MaxHeaderLen is the longest header value accepted, in bytes. It fits
	// MaxRanges ranges of 19-digit numbers with some whitespace.
	MaxHeaderLen = 2048
)
