package cache

import (
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/vodedge/vodedge/origin"
)

// piece is a part of a response body: literal bytes (a multipart header)
// when lit is set, else the object's bytes [from, to).
type piece struct {
	lit      []byte
	from, to int64
}

// body streams a response assembled from slices in memory, still arriving
// from the origin, or on disk. fasthttp reads it from the connection's
// goroutine after the handler returned. It implements BodyWriterTo, so
// fasthttp hands it the connection's writer: memory bytes go to the socket
// without a staging copy, and a disk slice that needs no verification is
// passed to the writer's ReadFrom as a file, which fasthttp turns into
// sendfile(2). fasthttp then calls CloseWithError, where the response is
// logged.
type body struct {
	h      *handler
	key    string // the object's key, for logs
	w      want   // the slices to acquire (idx set per slice)
	meta   *meta  // the version whose headers were sent
	pieces []piece
	done   func(b *body, err error) // records the response

	pi  int   // current piece
	pos int64 // position within the current piece's range

	cur, ahead       source
	curIdx, aheadIdx int64
	file             *os.File // cur's data file, when sent with sendfile

	start   time.Time
	ttfb    time.Duration
	written int64
	// conn takes the write deadline of each write (the request's
	// RequestCtx, valid while fasthttp writes the body); nil: none.
	conn deadliner
}

// deadliner is the part of fasthttp.RequestCtx a body needs.
type deadliner interface{ SetWriteDeadline(time.Time) error }

// SupportsBodyWriteTo lets fasthttp call WriteTo instead of Read.
func (b *body) SupportsBodyWriteTo() bool { return true }

// WriteTo writes the whole body to w.
func (b *body) WriteTo(w io.Writer) (int64, error) {
	var total int64
	for {
		p, f, n, err := b.next()
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
		var k int64
		if f != nil {
			b.deadline(n)
			k, err = sendFile(w, f, n)
		} else {
			b.deadline(int64(len(p)))
			var m int
			m, err = w.Write(p)
			k = int64(m)
		}
		b.advance(k)
		total += k
		if err != nil {
			return total, err
		}
	}
}

// deadline gives the next write of n bytes its deadline: WriteTimeout
// plus n at MinClientRate, counted from now. Set before every write, it
// follows the response's progress: time spent waiting for the origin is
// not charged to the client, a client that stops reading is cut off
// after WriteTimeout (plus the bytes in flight at the minimum rate), and
// a slow one that keeps reading is never cut.
func (b *body) deadline(n int64) {
	if b.conn != nil {
		_ = b.conn.SetWriteDeadline(b.h.writeDeadline(n))
	}
}

// sendFile copies n bytes of f to w, through w's ReadFrom when it has one
// (fasthttp's body writer, which uses sendfile for files).
func sendFile(w io.Writer, f *os.File, n int64) (int64, error) {
	lr := &io.LimitedReader{R: f, N: n}
	if rf, ok := w.(io.ReaderFrom); ok {
		return rf.ReadFrom(lr)
	}
	return io.Copy(w, lr)
}

// Read copies the body into p; fasthttp uses WriteTo, Read is for other
// readers (and io.Reader conformance).
func (b *body) Read(p []byte) (int, error) {
	src, f, n, err := b.next()
	if err != nil {
		return 0, err
	}
	var k int
	if f != nil {
		k, err = f.Read(p[:min(int64(len(p)), n)])
	} else {
		k = copy(p, src)
	}
	b.advance(int64(k))
	return k, err
}

// CloseWithError is called by fasthttp once the body is written or the
// write failed (err is then the write error).
func (b *body) CloseWithError(err error) error {
	b.closeFile()
	closeSource(b.cur)
	closeSource(b.ahead)
	b.cur, b.ahead = nil, nil
	b.done(b, err)
	return nil
}

// closeSource closes src unless there is none.
func closeSource(src source) {
	if src != nil {
		src.close()
	}
}

func (b *body) closeFile() {
	if b.file != nil {
		b.file.Close()
		b.file = nil
	}
}

// next returns what is available at the current position without
// consuming it: bytes, or n bytes of an open file; io.EOF at the end.
func (b *body) next() ([]byte, *os.File, int64, error) {
	for b.pi < len(b.pieces) {
		pc := &b.pieces[b.pi]
		if b.pos >= pc.to {
			b.nextPiece()
			continue
		}
		if b.ttfb == 0 {
			b.ttfb = max(time.Since(b.start), time.Nanosecond)
		}
		if pc.lit != nil {
			return pc.lit[b.pos:], nil, 0, nil
		}
		return b.objectAt(pc)
	}
	return nil, nil, 0, io.EOF
}

func (b *body) nextPiece() {
	b.pi++
	if b.pi < len(b.pieces) {
		b.pos = b.pieces[b.pi].from
	}
}

func (b *body) advance(n int64) {
	b.pos += n
	b.written += n
}

// objectAt returns the object's bytes at the current position, bounded by
// the piece and the slice.
func (b *body) objectAt(pc *piece) ([]byte, *os.File, int64, error) {
	src, err := b.sliceAt(b.pos, pc.to)
	if err != nil {
		return nil, nil, 0, err
	}
	if src.sendfile() {
		return b.fileAt(src, pc)
	}
	p, err := src.next(b.pos)
	if err == io.EOF {
		return nil, nil, 0, fmt.Errorf("cache: slice of %s ended before byte %d: %w", b.key, b.pos, origin.ErrBadResponse)
	}
	if err != nil {
		return nil, nil, 0, err
	}
	return p[:min(int64(len(p)), pc.to-b.pos)], nil, 0, nil
}

// fileAt returns the open file of a slice sent with sendfile (a memfd
// or a disk file) positioned at the current position, and how many bytes
// of it the piece wants.
func (b *body) fileAt(src source, pc *piece) ([]byte, *os.File, int64, error) {
	off := offsetOf(src)
	if b.file == nil {
		f, err := src.openAt(b.pos)
		if err != nil {
			return nil, nil, 0, err
		}
		b.file = f
	} else if _, err := b.file.Seek(b.pos-off, io.SeekStart); err != nil {
		return nil, nil, 0, err
	}
	end := min(pc.to, off+src.length())
	return nil, b.file, end - b.pos, nil
}

// sliceAt returns the source of the slice holding object byte pos, and
// starts fetching the following one when the piece continues past it.
func (b *body) sliceAt(pos, to int64) (source, error) {
	sz := b.h.sliceBytes
	idx := pos / sz
	if b.cur == nil || b.curIdx != idx {
		b.closeFile()
		closeSource(b.cur)
		if b.ahead != nil && b.aheadIdx == idx {
			b.cur, b.ahead = b.ahead, nil
		} else {
			b.cur = b.acquire(idx)
		}
		b.curIdx = idx
		if err := b.check(idx); err != nil {
			return nil, err
		}
	}
	if b.ahead == nil && (idx+1)*sz < to {
		b.ahead, b.aheadIdx = b.acquire(idx+1), idx+1
	}
	return b.cur, nil
}

// acquire returns slice idx of the version whose headers were sent.
func (b *body) acquire(idx int64) source {
	w := b.w
	w.idx = idx
	return b.h.tiers.acquire(w, b.meta).src
}

// check waits for the current slice's metadata and verifies it is the
// version the headers were sent for; if not, the response is cut (never
// finished with bytes of two versions). The newer version has superseded
// this one by then, so new requests get it whole.
func (b *body) check(idx int64) error {
	m, _, err := b.cur.wait()
	if errors.Is(err, errNotModified) { // joined a revalidation of a copy evicted since
		b.cur = b.acquire(idx)
		m, _, err = b.cur.wait()
	}
	if err == nil && !m.sameObject(b.meta) {
		err = errObjectChanged
	}
	if errors.Is(err, errObjectChanged) || errors.Is(err, errNotModified) || errors.Is(err, origin.ErrRangeNotSatisfiable) {
		b.meta.supersede()
		return fmt.Errorf("%w: %s", errObjectChanged, b.key)
	}
	return err
}
