package bench

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// OriginConfig is how the bench's origin behaves.
type OriginConfig struct {
	// Root is the corpus directory served under /.
	Root string
	// FirstByteDelay is waited before each response: the round trip to a
	// distant origin, which makes request collapsing visible.
	FirstByteDelay time.Duration
	// BytesPerSec caps each response's rate (0: no cap).
	BytesPerSec int64
}

// Origin is the HTTP origin every cache peer is put in front of: it
// serves the corpus, and /synth/SIZE/… objects of SIZE pseudo-random
// bytes generated on the fly (large files and trace catalogues without
// writing them), with ETag, Last-Modified and byte ranges. Each peer gets
// its own listener (Listen), so requests and bytes are counted per peer.
// SetDown makes every listener drop connections without an answer.
type Origin struct {
	cfg   OriginConfig
	down  atomic.Bool
	delay atomic.Int64 // FirstByteDelay now, ns
	mu    sync.Mutex   // protects srvs
	srvs  []*originListener
}

// originListener is one peer's port on the origin and its counters.
type originListener struct {
	name     string
	srv      *http.Server
	done     chan struct{} // closed when Serve returned
	requests atomic.Int64
	bytes    atomic.Int64
	keys     sync.Map // path → *atomic.Int64 requests
}

// OriginCounts is what one listener has served.
type OriginCounts struct {
	Requests int64 `json:"requests"`
	Bytes    int64 `json:"bytes"`
}

// NewOrigin returns an origin; Listen starts serving.
func NewOrigin(cfg OriginConfig) *Origin {
	o := &Origin{cfg: cfg}
	o.delay.Store(int64(cfg.FirstByteDelay))
	return o
}

// SetFast drops the first-byte delay (true) or restores it (false): the
// bench warms the peers fast, then measures with the delay.
func (o *Origin) SetFast(fast bool) {
	if fast {
		o.delay.Store(0)
	} else {
		o.delay.Store(int64(o.cfg.FirstByteDelay))
	}
}

// Listen opens a loopback port for the peer named name and returns its
// base URL. The listener's goroutine ends at Close.
func (o *Origin) Listen(name string) (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("bench: origin listen: %w", err)
	}
	l := &originListener{name: name, done: make(chan struct{})}
	l.srv = &http.Server{Handler: o.handler(l), ReadHeaderTimeout: 10 * time.Second, ErrorLog: discardLog}
	o.mu.Lock()
	o.srvs = append(o.srvs, l)
	o.mu.Unlock()
	go func() { defer close(l.done); _ = l.srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), nil
}

// SetDown turns the origin off (connections are dropped unanswered) or
// back on.
func (o *Origin) SetDown(down bool) { o.down.Store(down) }

// Counts returns what the listener named name has served.
func (o *Origin) Counts(name string) OriginCounts {
	if l := o.listener(name); l != nil {
		return OriginCounts{Requests: l.requests.Load(), Bytes: l.bytes.Load()}
	}
	return OriginCounts{}
}

// KeyRequests returns how many requests the listener named name got for
// path.
func (o *Origin) KeyRequests(name, path string) int64 {
	if l := o.listener(name); l != nil {
		if n, ok := l.keys.Load(path); ok {
			return n.(*atomic.Int64).Load()
		}
	}
	return 0
}

func (o *Origin) listener(name string) *originListener {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, l := range o.srvs {
		if l.name == name {
			return l
		}
	}
	return nil
}

// Close stops every listener and waits for their goroutines.
func (o *Origin) Close() error {
	o.mu.Lock()
	srvs := o.srvs
	o.srvs = nil
	o.mu.Unlock()
	var errs []error
	for _, l := range srvs {
		errs = append(errs, l.srv.Close())
		<-l.done
	}
	return errors.Join(errs...)
}

// originModTime is every object's Last-Modified.
var originModTime = time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)

func (o *Origin) handler(l *originListener) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o.down.Load() {
			panic(http.ErrAbortHandler) // drop the connection unanswered
		}
		l.requests.Add(1)
		n, _ := l.keys.LoadOrStore(r.URL.Path, new(atomic.Int64))
		n.(*atomic.Int64).Add(1)
		if d := time.Duration(o.delay.Load()); d > 0 {
			select {
			case <-r.Context().Done():
				return
			case <-time.After(d):
			}
		}
		body, size, err := o.open(r.URL.Path)
		if err != nil {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		defer body.Close()
		w.Header().Set("ETag", etagOf(r.URL.Path, size))
		w.Header().Set("Content-Type", "video/iso.segment")
		cw := &countingWriter{ResponseWriter: w, n: &l.bytes, rate: o.cfg.BytesPerSec, start: time.Now()}
		http.ServeContent(cw, r, "", originModTime, body)
	})
}

// open returns the object at path: a synthetic one under /synth/SIZE/,
// else a corpus file.
func (o *Origin) open(path string) (io.ReadSeekCloser, int64, error) {
	if rest, ok := strings.CutPrefix(path, "/synth/"); ok {
		sz, _, _ := strings.Cut(rest, "/")
		size, err := strconv.ParseInt(sz, 10, 64)
		if err != nil || size < 0 || size > 1<<40 {
			return nil, 0, errors.New("bad synthetic size")
		}
		return newSynthReader(path, size), size, nil
	}
	// os.OpenInRoot refuses ".." and symbolic links leading out of Root.
	f, err := os.OpenInRoot(o.cfg.Root, strings.TrimPrefix(filepath.Clean("/"+path), "/"))
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		f.Close()
		return nil, 0, errors.New("not a file")
	}
	return f, st.Size(), nil
}

func etagOf(path string, size int64) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%s/%d", path, size)
	return fmt.Sprintf(`"%x"`, h.Sum64())
}

// SynthPath is the origin path of a synthetic object of size bytes for
// key (a trace key, say).
func SynthPath(size int64, key string) string {
	return "/synth/" + strconv.FormatInt(size, 10) + "/" + strings.TrimPrefix(key, "/")
}

// countingWriter counts body bytes and paces them to rate.
type countingWriter struct {
	http.ResponseWriter
	n       *atomic.Int64
	rate    int64
	start   time.Time
	written int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	var total int
	for len(p) > 0 {
		chunk := p[:min(len(p), 64<<10)]
		n, err := c.ResponseWriter.Write(chunk)
		total += n
		c.written += int64(n)
		c.n.Add(int64(n))
		if err != nil {
			return total, err
		}
		p = p[n:]
		if c.rate > 0 {
			due := c.start.Add(time.Duration(float64(c.written) / float64(c.rate) * float64(time.Second)))
			time.Sleep(time.Until(due))
		}
	}
	return total, nil
}

// synthReader yields a deterministic, incompressible byte stream seeded
// by a name, seekable in O(1): word i is splitmix64(seed + i).
type synthReader struct {
	seed      uint64
	size, off int64
}

func newSynthReader(name string, size int64) *synthReader {
	h := fnv.New64a()
	h.Write([]byte(name))
	return &synthReader{seed: h.Sum64(), size: size}
}

func (s *synthReader) Read(p []byte) (int, error) {
	if s.off >= s.size {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), s.size-s.off)]
	var w [8]byte
	for i := 0; i < len(p); {
		word := s.off / 8
		binary.LittleEndian.PutUint64(w[:], splitmix64(s.seed+uint64(word)))
		n := copy(p[i:], w[s.off%8:])
		i += n
		s.off += int64(n)
	}
	return len(p), nil
}

func (s *synthReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += s.off
	case io.SeekEnd:
		offset += s.size
	}
	if offset < 0 {
		return 0, errors.New("bench: negative seek")
	}
	s.off = offset
	return offset, nil
}

func (s *synthReader) Close() error { return nil }

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// discardLog silences net/http's server log (aborted handlers).
var discardLog = newDiscardLog()
