package httprange

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"strings"
	"testing"
)

// source returns size bytes that differ at every nearby offset.
func source(size int) []byte {
	b := make([]byte, size)
	for i := range b {
		b[i] = byte(i*7 + i/251)
	}
	return b
}

// checkBody parses body with mime/multipart and checks every part against
// src and m.
func checkBody(t *testing.T, m Multipart, body, src []byte, contentType string) {
	t.Helper()
	if int64(len(body)) != m.Len() {
		t.Fatalf("body is %d bytes, Len() = %d", len(body), m.Len())
	}
	mediaType, params, err := mime.ParseMediaType(string(m.AppendContentType(nil)))
	if err != nil || mediaType != "multipart/byteranges" {
		t.Fatalf("content type %q: %v", m.AppendContentType(nil), err)
	}
	mr := multipart.NewReader(bytes.NewReader(body), params["boundary"])
	for i := range m.Parts() {
		p, err := mr.NextPart()
		if err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
		r := m.Range(i)
		if got, want := p.Header.Get("Content-Range"), string(AppendContentRange(nil, r, int64(len(src)))); got != want {
			t.Errorf("part %d Content-Range = %q, want %q", i, got, want)
		}
		if got := p.Header.Get("Content-Type"); got != contentType {
			t.Errorf("part %d Content-Type = %q, want %q", i, got, contentType)
		}
		data, err := io.ReadAll(p)
		if err != nil || !bytes.Equal(data, src[r.Start:r.End+1]) {
			t.Fatalf("part %d (%v): got %d bytes, err %v; bytes differ from source", i, r, len(data), err)
		}
	}
	if _, err := mr.NextPart(); err != io.EOF {
		t.Fatalf("after last part: %v, want io.EOF", err)
	}
}

// assemble builds the body from the Append methods alone.
func assemble(m Multipart, src []byte) []byte {
	var body []byte
	for i := range m.Parts() {
		r := m.Range(i)
		body = m.AppendPartHeader(body, i)
		body = append(body, src[r.Start:r.End+1]...)
	}
	return m.AppendClosing(body)
}

func TestMultipart(t *testing.T) {
	for _, tc := range []struct {
		name, header, contentType, boundary string
		size                                int
	}{
		{"two parts", "bytes=0-9,20-29", "video/mp4", "3d6b6a416f9b5", 100},
		{"no content type", "bytes=0-0,-1", "", "b", 100},
		{"overlapping and unsorted", "bytes=50-99,0-60,10-", "video/MP2T; codecs=x", "Boundary'+-._09", 100},
		{"single byte source", "bytes=0-0,-1", "application/octet-stream", strings.Repeat("z", MaxBoundaryLen), 1},
		{"max ranges", manyRanges(MaxRanges), "video/iso.segment", "x", 1 << 16},
		{"large", "bytes=0-70000,-70000", "video/mp4", "abc", 1 << 20},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := source(tc.size)
			rs, err := Parse(nil, []byte(tc.header), int64(tc.size))
			if err != nil {
				t.Fatal(err)
			}
			m, err := NewMultipart(rs, int64(tc.size), tc.contentType, tc.boundary)
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			n, err := m.Copy(&buf, bytes.NewReader(src))
			if err != nil || n != int64(buf.Len()) {
				t.Fatalf("Copy = %d, %v; wrote %d", n, err, buf.Len())
			}
			checkBody(t, m, buf.Bytes(), src, tc.contentType)
			if !bytes.Equal(assemble(m, src), buf.Bytes()) {
				t.Fatal("Append* output differs from Copy")
			}
		})
	}
}

func TestMultipartFraming(t *testing.T) {
	m, err := NewMultipart([]Range{{0, 1}, {5, 5}}, 10, "video/mp4", "B")
	if err != nil {
		t.Fatal(err)
	}
	want := "\r\n--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 0-1/10\r\n\r\n01" +
		"\r\n--B\r\nContent-Type: video/mp4\r\nContent-Range: bytes 5-5/10\r\n\r\n5" +
		"\r\n--B--\r\n"
	if got := string(assemble(m, []byte("0123456789"))); got != want {
		t.Fatalf("body = %q\nwant   %q", got, want)
	}
	if m.Len() != int64(len(want)) {
		t.Fatalf("Len() = %d, want %d", m.Len(), len(want))
	}
	if got := string(m.AppendContentType(nil)); got != "multipart/byteranges; boundary=B" {
		t.Fatalf("AppendContentType = %q", got)
	}
}

func TestNewMultipartErrors(t *testing.T) {
	ok := []Range{{0, 1}}
	for _, tc := range []struct {
		name  string
		rs    []Range
		size  int64
		ct, b string
		err   error
	}{
		{"empty boundary", ok, 10, "", "", ErrBoundary},
		{"long boundary", ok, 10, "", strings.Repeat("a", MaxBoundaryLen+1), ErrBoundary},
		{"boundary needs quoting", ok, 10, "", "a b", ErrBoundary},
		{"boundary CRLF", ok, 10, "", "a\r\nX: y", ErrBoundary},
		{"content type CRLF", ok, 10, "video/mp4\r\nSet-Cookie: x", "b", ErrContentType},
		{"content type NUL", ok, 10, "video/mp4\x00", "b", ErrContentType},
		{"content type DEL", ok, 10, "video\x7f", "b", ErrContentType},
		{"no ranges", nil, 10, "", "b", ErrParts},
		{"range past size", []Range{{0, 10}}, 10, "", "b", ErrParts},
		{"reversed range", []Range{{5, 4}}, 10, "", "b", ErrParts},
		{"negative start", []Range{{-1, 4}}, 10, "", "b", ErrParts},
		{"overflowing length", []Range{{0, 1<<63 - 2}, {0, 1<<63 - 2}}, 1<<63 - 1, "", "b", ErrParts},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := NewMultipart(tc.rs, tc.size, tc.ct, tc.b); !errors.Is(err, tc.err) {
				t.Fatalf("NewMultipart error = %v, want %v", err, tc.err)
			}
		})
	}
}

type failWriter struct{ after int }

func (w *failWriter) Write(p []byte) (int, error) {
	if w.after < len(p) {
		n := max(w.after, 0)
		w.after = 0
		return n, errors.New("write failed")
	}
	w.after -= len(p)
	return len(p), nil
}

func TestMultipartCopyErrors(t *testing.T) {
	m, err := NewMultipart([]Range{{0, 9}, {90, 99}}, 100, "video/mp4", "b")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Copy(io.Discard, bytes.NewReader(source(50))); err != io.ErrUnexpectedEOF {
		t.Errorf("Copy from a short source: %v, want io.ErrUnexpectedEOF", err)
	}
	for _, after := range []int{0, 10, 70, int(m.Len()) - 1} {
		if n, err := m.Copy(&failWriter{after: after}, bytes.NewReader(source(100))); err == nil || n != int64(after) {
			t.Errorf("Copy to a writer failing after %d bytes = %d, %v", after, n, err)
		}
	}
}

func TestMultipartHeaderAllocs(t *testing.T) {
	rs := []Range{{0, 1023}, {1 << 20, 2<<20 - 1}}
	dst := make([]byte, 0, 256)
	n := testing.AllocsPerRun(100, func() {
		m, _ := NewMultipart(rs, 4<<20, "video/mp4", "3d6b6a416f9b5")
		for i := range m.Parts() {
			dst = m.AppendPartHeader(dst[:0], i)
		}
		dst = m.AppendClosing(dst[:0])
	})
	if n != 0 {
		t.Fatalf("NewMultipart and part headers allocate %.1f times, want 0", n)
	}
}

var fuzzContentTypes = []string{"", "video/mp4", "video/MP2T; codecs=\"avc1\"", "application/octet-stream"}

func FuzzMultipart(f *testing.F) {
	f.Add([]byte("bytes=0-9,20-29"), uint16(100), uint8(1))
	f.Add([]byte("bytes=-1,0-0,5-"), uint16(1), uint8(0))
	f.Add([]byte(manyRanges(MaxRanges)), uint16(1000), uint8(2))
	f.Fuzz(func(t *testing.T, h []byte, size uint16, ct uint8) {
		rs, err := Parse(nil, h, int64(size))
		if err != nil {
			return
		}
		contentType := fuzzContentTypes[int(ct)%len(fuzzContentTypes)]
		m, err := NewMultipart(rs, int64(size), contentType, "fuzz-boundary")
		if err != nil {
			t.Fatalf("NewMultipart(%v): %v", rs, err)
		}
		src := source(int(size))
		var buf bytes.Buffer
		if _, err := m.Copy(&buf, bytes.NewReader(src)); err != nil {
			t.Fatal(err)
		}
		checkBody(t, m, buf.Bytes(), src, contentType)
	})
}

func BenchmarkMultipartHeaders(b *testing.B) {
	rs := []Range{{0, 1023}, {1 << 20, 2<<20 - 1}, {3 << 20, 4<<20 - 1}}
	dst := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		m, _ := NewMultipart(rs, 4<<20, "video/mp4", "3d6b6a416f9b5")
		for i := range m.Parts() {
			dst = m.AppendPartHeader(dst[:0], i)
		}
		dst = m.AppendClosing(dst[:0])
	}
}
