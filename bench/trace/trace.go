// Package trace reads, writes and generates request traces: what players
// asked an edge for, and when. A trace drives the bench's replay workload
// (against real servers) and its hit-ratio simulator (against cache
// policies), so both see exactly the same requests.
//
// # Format
//
// CSV with a header line, one request per line, in time order:
//
//	time_s,client,key,range,size
//	0.000,c00017,/titles/t0003/720p/seg-00001.m4s,,1523340
//	4.000,c00017,/titles/t0003/720p/seg-00002.m4s,,1498112
//	9.512,c00420,/titles/t0112/1080p.mp4,bytes=0-2621439,734003200
//
// time_s is seconds since the trace's start (millisecond precision);
// client names the player; key is the URL path (the cache key); range is
// an HTTP Range header value or empty for the whole object; size is the
// object's full size in bytes, which a simulator needs and a real server
// knows. Columns are found by their header name, so extra columns may be
// added by other tools and are ignored.
//
// Imports: standard library and internal/zipf.
package trace

import (
	"bufio"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"
)

// Request is one line of a trace.
type Request struct {
	Time   time.Duration // since the trace's start
	Client string
	Key    string
	Range  string // "" or an HTTP Range value, "bytes=a-b"
	Size   int64  // the object's full size
}

// Header is the CSV header Writer writes.
var Header = []string{"time_s", "client", "key", "range", "size"}

// ErrFormat marks a line that is not a valid request.
var ErrFormat = errors.New("trace: bad format")

// Writer writes requests as CSV.
type Writer struct {
	w      *csv.Writer
	header bool
}

// NewWriter returns a Writer on w; the header goes out with the first
// request (or at Flush).
func NewWriter(w io.Writer) *Writer { return &Writer{w: csv.NewWriter(w)} }

// Write writes one request.
func (w *Writer) Write(r Request) error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	return w.w.Write([]string{
		strconv.FormatFloat(r.Time.Seconds(), 'f', 3, 64), r.Client, r.Key, r.Range,
		strconv.FormatInt(r.Size, 10),
	})
}

func (w *Writer) writeHeader() error {
	if w.header {
		return nil
	}
	w.header = true
	return w.w.Write(Header)
}

// Flush writes any buffered data and returns the first write error.
func (w *Writer) Flush() error {
	if err := w.writeHeader(); err != nil {
		return err
	}
	w.w.Flush()
	return w.w.Error()
}

// Reader reads requests from CSV.
type Reader struct {
	r    *csv.Reader
	col  map[string]int
	line int
	last time.Duration
}

// NewReader reads the header of a trace and returns a Reader positioned
// at its first request.
func NewReader(r io.Reader) (*Reader, error) {
	cr := csv.NewReader(bufio.NewReaderSize(r, 64<<10))
	cr.ReuseRecord = true
	cr.FieldsPerRecord = -1
	head, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrFormat, err)
	}
	col := map[string]int{}
	for i, h := range head {
		col[strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))] = i
	}
	for _, h := range Header {
		if _, ok := col[h]; !ok {
			return nil, fmt.Errorf("%w: header lacks column %q (want %s)", ErrFormat, h, strings.Join(Header, ","))
		}
	}
	return &Reader{r: cr, col: col, line: 1}, nil
}

// Read returns the next request, or io.EOF after the last.
func (r *Reader) Read() (Request, error) {
	rec, err := r.r.Read()
	if err != nil {
		if err == io.EOF {
			return Request{}, io.EOF
		}
		return Request{}, fmt.Errorf("%w: line %d: %w", ErrFormat, r.line+1, err)
	}
	r.line++
	req, err := r.parse(rec)
	if err != nil {
		return Request{}, fmt.Errorf("%w: line %d: %w", ErrFormat, r.line, err)
	}
	if req.Time < r.last {
		return Request{}, fmt.Errorf("%w: line %d: time %.3f goes backwards", ErrFormat, r.line, req.Time.Seconds())
	}
	r.last = req.Time
	return req, nil
}

func (r *Reader) field(rec []string, name string) string {
	if i := r.col[name]; i < len(rec) {
		return rec[i]
	}
	return ""
}

func (r *Reader) parse(rec []string) (Request, error) {
	secs, err := strconv.ParseFloat(r.field(rec, "time_s"), 64)
	if err != nil || secs < 0 || secs > math.MaxInt64/float64(time.Second) || math.IsNaN(secs) {
		return Request{}, fmt.Errorf("time_s %q: want seconds ≥ 0", r.field(rec, "time_s"))
	}
	size, err := strconv.ParseInt(r.field(rec, "size"), 10, 64)
	if err != nil || size < 0 {
		return Request{}, fmt.Errorf("size %q: want bytes ≥ 0", r.field(rec, "size"))
	}
	req := Request{
		Time: time.Duration(math.Round(secs*1000)) * time.Millisecond, Client: r.field(rec, "client"),
		Key: r.field(rec, "key"), Range: r.field(rec, "range"), Size: size,
	}
	if !strings.HasPrefix(req.Key, "/") {
		return Request{}, fmt.Errorf("key %q: want a URL path starting with /", req.Key)
	}
	if req.Range != "" {
		if _, _, err := ParseRange(req.Range, size); err != nil {
			return Request{}, err
		}
	}
	return req, nil
}

// ReadAll reads every request of a trace.
func ReadAll(r io.Reader) ([]Request, error) {
	tr, err := NewReader(r)
	if err != nil {
		return nil, err
	}
	var out []Request
	for {
		req, err := tr.Read()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		out = append(out, req)
	}
}

// WriteAll writes every request and flushes.
func WriteAll(w io.Writer, reqs []Request) error {
	tw := NewWriter(w)
	for _, r := range reqs {
		if err := tw.Write(r); err != nil {
			return err
		}
	}
	return tw.Flush()
}

// ParseRange reads a single "bytes=a-b", "bytes=a-" or "bytes=-n" range
// against an object of size bytes and returns the first and last byte
// (inclusive). Traces carry single ranges only.
func ParseRange(v string, size int64) (first, last int64, err error) {
	spec, ok := strings.CutPrefix(v, "bytes=")
	a, b, ok2 := strings.Cut(spec, "-")
	if !ok || !ok2 || strings.Contains(spec, ",") {
		return 0, 0, fmt.Errorf("range %q: want bytes=a-b, bytes=a- or bytes=-n", v)
	}
	if a == "" {
		n, err := strconv.ParseInt(b, 10, 64)
		if err != nil || n <= 0 {
			return 0, 0, fmt.Errorf("range %q: bad suffix length", v)
		}
		return max(size-n, 0), size - 1, nil
	}
	first, err = strconv.ParseInt(a, 10, 64)
	last = size - 1
	if err == nil && b != "" {
		last, err = strconv.ParseInt(b, 10, 64)
	}
	if err != nil || first < 0 || last < first || first >= size {
		return 0, 0, fmt.Errorf("range %q: not satisfiable within %d bytes", v, size)
	}
	return first, min(last, size-1), nil
}

// Extent returns the bytes a request asks for: its range, or the whole
// object.
func (r Request) Extent() (first, last int64) {
	if r.Range == "" {
		return 0, r.Size - 1
	}
	f, l, err := ParseRange(r.Range, r.Size)
	if err != nil {
		return 0, r.Size - 1
	}
	return f, l
}
