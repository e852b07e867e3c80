package stream

import (
	"errors"
	"io"
	"sync"
)

// ErrTooLarge is returned by ReadFrom when the producer offers more bytes
// than the buffer was limited to.
var ErrTooLarge = errors.New("stream: more bytes than announced")

// Buffer is written by one producer and read by many consumers. The zero
// value is not usable; call New.
type Buffer struct {
	limit int  // maximum bytes the producer may write
	known bool // the size is limit exactly

	mu struct {
		sync.Mutex
		data []byte        // published bytes: data[:len(data)] is immutable
		done bool          // the producer called Close
		err  error         // terminal error, nil on success
		wake chan struct{} // closed on progress; nil when nobody waits
	}
}

// New returns a Buffer. With size >= 0 the buffer expects exactly size
// bytes: it allocates them up front and is complete the moment the last
// one is published, before the producer has even seen the end of its
// source (a client that got every byte and asks again must find the
// object complete). With size < 0 the size is unknown: the buffer grows
// up to limit bytes and completes when the producer closes it.
func New(size, limit int) *Buffer {
	b := &Buffer{limit: limit}
	if size >= 0 {
		b.limit, b.known = size, true
		b.mu.data = make([]byte, 0, size)
		b.mu.done = size == 0
	}
	return b
}

// Len returns the number of bytes published so far.
func (b *Buffer) Len() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.mu.data)
}

// ReadFrom fills the buffer from r until EOF, publishing bytes as they
// arrive. Only the producer calls it, once. It does not Close the buffer.
func (b *Buffer) ReadFrom(r io.Reader) (int64, error) {
	var total int64
	for {
		dst := b.spare()
		if len(dst) == 0 {
			return total, b.overflow(r)
		}
		n, err := r.Read(dst)
		if n > 0 {
			b.publish(n)
			total += int64(n)
		}
		if err == io.EOF {
			return total, nil
		}
		if err != nil {
			return total, err
		}
	}
}

// spare returns the unpublished capacity the producer may read into,
// growing the backing array when it is full. Consumers never touch bytes
// past the published length, so the producer writes there without the lock.
func (b *Buffer) spare() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	d := b.mu.data
	if len(d) == cap(d) {
		if len(d) >= b.limit {
			return nil
		}
		grown := make([]byte, len(d), min(max(2*cap(d), 32<<10), b.limit))
		copy(grown, d) // consumers keep reading the old array: same bytes
		b.mu.data = grown
		d = grown
	}
	return d[len(d):cap(d)]
}

// overflow checks, when the limit is reached, that r has nothing more.
func (b *Buffer) overflow(r io.Reader) error {
	var one [1]byte
	for {
		n, err := r.Read(one[:])
		if n > 0 {
			return ErrTooLarge
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func (b *Buffer) publish(n int) {
	b.mu.Lock()
	b.mu.data = b.mu.data[:len(b.mu.data)+n]
	if b.known && len(b.mu.data) == b.limit {
		b.mu.done = true
	}
	b.wakeLocked()
	b.mu.Unlock()
}

func (b *Buffer) wakeLocked() {
	if b.mu.wake != nil {
		close(b.mu.wake)
		b.mu.wake = nil
	}
}

// Close ends the stream. A nil err means every byte was written; any other
// error is returned to consumers once they have read what was published.
// Calls after the first, or after a buffer of known size completed, are
// ignored: what consumers saw complete stays complete.
func (b *Buffer) Close(err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.mu.done {
		return
	}
	b.mu.done, b.mu.err = true, err
	b.wakeLocked()
}

// Failed reports whether the producer closed the buffer with an error.
func (b *Buffer) Failed() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.mu.done && b.mu.err != nil
}

// Bytes returns the whole body once the producer closed the buffer without
// error, and nil otherwise. The slice must not be modified.
func (b *Buffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.mu.done || b.mu.err != nil {
		return nil
	}
	return b.mu.data
}

// Next returns the published bytes from offset off on, waiting until at
// least one is available. It returns io.EOF at the end of a complete
// stream, or the producer's error once every published byte was read. The
// returned slice is immutable and stays valid.
func (b *Buffer) Next(off int) ([]byte, error) {
	for {
		p, wait, err := b.poll(off)
		if p != nil || err != nil {
			return p, err
		}
		<-wait
	}
}

func (b *Buffer) poll(off int) ([]byte, <-chan struct{}, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if off < len(b.mu.data) {
		return b.mu.data[off:len(b.mu.data):len(b.mu.data)], nil, nil
	}
	if b.mu.done {
		if b.mu.err != nil {
			return nil, nil, b.mu.err
		}
		return nil, nil, io.EOF
	}
	if b.mu.wake == nil {
		b.mu.wake = make(chan struct{})
	}
	return nil, b.mu.wake, nil
}
