package cache

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/vodedge/vodedge/origin"
)

// piece is a part of a response body: literal bytes (a multipart header)
// when lit is set, else the object's bytes [from, to).
type piece struct {
	lit      []byte
	from, to int64
}

// body streams a response assembled from slices that may still be
// arriving from the origin. fasthttp reads it from the connection's
// goroutine after the handler returned (it implements BodyWriterTo, so
// fasthttp hands it the connection's writer and slice bytes go to the
// socket without being copied into a staging buffer), then calls
// CloseWithError, where the response is logged.
type body struct {
	s      *Server
	key    string
	meta   *meta // the version whose headers were sent
	pieces []piece
	done   func(b *body, err error) // records the response

	pi  int   // current piece
	pos int64 // position within the current piece's range

	cur, ahead       source
	curIdx, aheadIdx int64

	start   time.Time
	ttfb    time.Duration
	written int64
}

// SupportsBodyWriteTo lets fasthttp call WriteTo instead of Read.
func (b *body) SupportsBodyWriteTo() bool { return true }

// WriteTo writes the whole body to w.
func (b *body) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		p, err := b.peek()
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		n, err := w.Write(p)
		b.advance(n)
		total += int64(n)
		if err != nil {
			return total, err
		}
	}
}

// Read copies the body into p; fasthttp uses WriteTo, Read is for other
// readers (and io.Reader conformance).
func (b *body) Read(p []byte) (int, error) {
	src, err := b.peek()
	if err != nil {
		return 0, err
	}
	n := copy(p, src)
	b.advance(n)
	return n, nil
}

// CloseWithError is called by fasthttp once the body is written or the
// write failed (err is then the write error).
func (b *body) CloseWithError(err error) error {
	b.cur, b.ahead = source{}, source{}
	b.done(b, err)
	return nil
}

// peek returns the bytes available at the current position without
// consuming them, waiting for the origin when needed.
func (b *body) peek() ([]byte, error) {
	for b.pi < len(b.pieces) {
		pc := &b.pieces[b.pi]
		if b.pos >= pc.to {
			b.nextPiece()
			continue
		}
		p, err := b.bytesAt(pc)
		if err != nil {
			return nil, err
		}
		if b.ttfb == 0 {
			b.ttfb = max(time.Since(b.start), time.Nanosecond)
		}
		return p, nil
	}
	return nil, io.EOF
}

func (b *body) nextPiece() {
	b.pi++
	if b.pi < len(b.pieces) {
		b.pos = b.pieces[b.pi].from
	}
}

func (b *body) advance(n int) {
	b.pos += int64(n)
	b.written += int64(n)
}

func (b *body) bytesAt(pc *piece) ([]byte, error) {
	if pc.lit != nil {
		return pc.lit[b.pos:], nil
	}
	src, err := b.sliceAt(b.pos, pc.to)
	if err != nil {
		return nil, err
	}
	p, err := src.next(b.pos)
	if err == io.EOF {
		return nil, fmt.Errorf("cache: slice of %s ended before byte %d: %w", b.key, b.pos, origin.ErrBadResponse)
	}
	if err != nil {
		return nil, err
	}
	return p[:min(int64(len(p)), pc.to-b.pos)], nil
}

// sliceAt returns the source of the slice holding object byte pos, and
// starts fetching the following one when the piece continues past it.
func (b *body) sliceAt(pos, to int64) (source, error) {
	sz := b.s.cfg.SliceBytes
	idx := pos / sz
	if b.cur == (source{}) || b.curIdx != idx {
		if b.ahead != (source{}) && b.aheadIdx == idx {
			b.cur, b.ahead = b.ahead, source{}
		} else {
			b.cur = b.s.acquire(b.key, idx)
		}
		b.curIdx = idx
		if err := b.check(b.cur); err != nil {
			return source{}, err
		}
	}
	if b.ahead == (source{}) && (idx+1)*sz < to {
		b.ahead, b.aheadIdx = b.s.acquire(b.key, idx+1), idx+1
	}
	return b.cur, nil
}

// check waits for src's metadata and verifies it is the version the
// headers were sent for; if not, the object's cached slices are dropped
// and the response is cut (never finished with bytes of two versions).
func (b *body) check(src source) error {
	m, _, err := src.wait()
	if err == nil && !m.sameObject(b.meta) {
		err = errObjectChanged
	}
	if errors.Is(err, errObjectChanged) || errors.Is(err, origin.ErrRangeNotSatisfiable) {
		b.s.purgeObject(b.key, b.meta.size)
		return fmt.Errorf("%w: %s", errObjectChanged, b.key)
	}
	return err
}
