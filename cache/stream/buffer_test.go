package stream

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// readAll drains b from off the way a client stream does.
func readAll(b *Buffer, off int) ([]byte, error) {
	var out []byte
	for {
		p, err := b.Next(off)
		out = append(out, p...)
		off += len(p)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
	}
}

// chunky yields its data in small random pieces with pauses, like a
// network body.
type chunky struct {
	data  []byte
	pause time.Duration
	r     *rand.Rand
}

func (c *chunky) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	time.Sleep(c.pause)
	n := min(len(p), 1+c.r.IntN(4096), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func payload(n int) []byte {
	p := make([]byte, n)
	for i := range p {
		p[i] = byte(i*7 + i>>8)
	}
	return p
}

func TestConcurrentReadersSeeEveryByte(t *testing.T) {
	for _, tc := range []struct {
		name       string
		size, want int
	}{
		{"known size", 200_000, 200_000},
		{"unknown size grows", -1, 200_000},
		{"empty", 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := payload(tc.want)
			b := New(tc.size, 1<<20)
			var wg sync.WaitGroup
			errs := make(chan error, 16)
			for i := range 16 {
				off := i * tc.want / 16
				wg.Go(func() {
					got, err := readAll(b, off)
					if err != nil || !bytes.Equal(got, want[off:]) {
						errs <- errors.New("reader got wrong bytes")
					}
				})
			}
			src := &chunky{data: want, pause: 10 * time.Microsecond, r: rand.New(rand.NewPCG(1, 2))}
			n, err := b.ReadFrom(src)
			b.Close(err)
			wg.Wait()
			close(errs)
			if err != nil || n != int64(tc.want) {
				t.Fatalf("ReadFrom = %d, %v", n, err)
			}
			for e := range errs {
				t.Fatal(e)
			}
			if !bytes.Equal(b.Bytes(), want) {
				t.Fatal("Bytes differs from the source")
			}
		})
	}
}

func TestReaderGetsBytesBeforeProducerFinishes(t *testing.T) {
	b := New(10, 10)
	pr, pw := io.Pipe()
	go func() {
		n, err := b.ReadFrom(pr)
		_ = n
		b.Close(err)
	}()
	if _, err := pw.Write([]byte("hello")); err != nil {
		t.Fatal(err)
	}
	p, err := b.Next(0)
	if err != nil || string(p) != "hello" {
		t.Fatalf("Next = %q, %v; want the first bytes while the producer is still open", p, err)
	}
	pw.Close()
	if _, err := readAll(b, 5); err != nil {
		t.Fatal(err)
	}
}

func TestProducerErrorReachesReadersAfterPublishedBytes(t *testing.T) {
	boom := errors.New("origin reset")
	b := New(100, 100)
	b.ReadFrom(bytes.NewReader([]byte("partial")))
	if b.Failed() {
		t.Fatal("Failed before Close")
	}
	b.Close(boom)
	if !b.Failed() {
		t.Fatal("Failed is false after Close with an error")
	}
	got, err := readAll(b, 0)
	if string(got) != "partial" || !errors.Is(err, boom) {
		t.Fatalf("got %q, %v; want the published bytes then the error", got, err)
	}
	if b.Bytes() != nil {
		t.Fatal("Bytes must be nil for a failed stream")
	}
	b.Close(nil) // ignored
	if _, err := b.Next(7); !errors.Is(err, boom) {
		t.Fatal("a second Close must not change the outcome")
	}
}

func TestLimitRejectsLongerBody(t *testing.T) {
	b := New(4, 4)
	_, err := b.ReadFrom(bytes.NewReader([]byte("12345")))
	if !errors.Is(err, ErrTooLarge) {
		t.Fatalf("err = %v, want ErrTooLarge", err)
	}
	b2 := New(-1, 5)
	if _, err := b2.ReadFrom(bytes.NewReader([]byte("12345"))); err != nil {
		t.Fatalf("exactly the limit must pass: %v", err)
	}
}

func TestBytesBeforeCloseIsNilForUnknownSize(t *testing.T) {
	b := New(-1, 3)
	b.ReadFrom(bytes.NewReader([]byte("abc")))
	if b.Bytes() != nil {
		t.Fatal("Bytes before Close must be nil")
	}
	if b.Len() != 3 {
		t.Fatalf("Len = %d", b.Len())
	}
	b.Close(nil)
	if string(b.Bytes()) != "abc" {
		t.Fatal("Bytes after Close")
	}
}

func BenchmarkStream4MiB8Readers(b *testing.B) {
	want := payload(4 << 20)
	b.SetBytes(int64(len(want)))
	for b.Loop() {
		buf := New(len(want), len(want))
		var wg sync.WaitGroup
		for range 8 {
			wg.Go(func() { drain(buf) })
		}
		buf.ReadFrom(bytes.NewReader(want))
		buf.Close(nil)
		wg.Wait()
	}
}

// drain reads b to the end without copying, as a socket writer would.
func drain(b *Buffer) {
	for off := 0; ; {
		p, err := b.Next(off)
		off += len(p)
		if err != nil {
			return
		}
	}
}

func TestKnownSizeCompletesOnLastByte(t *testing.T) {
	b := New(5, 5)
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		_, err := b.ReadFrom(pr)
		done <- err
	}()
	pw.Write([]byte("hello"))
	testenv.Eventually(t, 5*time.Second, "the buffer to be complete after its last byte while the source is still open", func() bool {
		return b.Bytes() != nil
	})
	pw.Write([]byte("!")) // the source lies about its size
	if err := <-done; !errors.Is(err, ErrTooLarge) {
		t.Fatalf("ReadFrom err = %v, want ErrTooLarge", err)
	}
	b.Close(ErrTooLarge)
	if string(b.Bytes()) != "hello" {
		t.Fatal("a completed buffer must stay complete")
	}
	if New(0, 0).Bytes() == nil {
		t.Fatal("an empty buffer of known size is complete at once")
	}
}
