package manifest

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path/filepath"
	"strconv"
)

// Limits of a document.
const (
	maxHeaderBytes = 64 << 10
	// MaxDocumentBytes bounds a document once uncompressed (a longer one
	// reads as truncated).
	MaxDocumentBytes = 4 << 30
)

// Saved is a verified full manifest as a node keeps it on disk: the
// signed header line of the document that gave it (a full manifest or a
// delta), then the full manifest's group lines, which hash to the
// header's Result.
type Saved struct {
	Path   string
	Header Header
}

// ReceiveOptions say how a document is checked and where it is kept.
type ReceiveOptions struct {
	PublicKey ed25519.PublicKey
	// Check runs once the header's signature verified, before the body is
	// read: the site and anti-replay rules of the receiver.
	Check func(*Header) error
	// Base is the manifest the node holds, for a delta (nil: none).
	Base *Saved
	// Dir receives the full manifest as manifest-<version>.
	Dir string
	// Indexes receives the indexes a document carries inline (nil:
	// a document with inline indexes is refused).
	Indexes *IndexCache
}

// Receive reads a document (gzip or plain) from r, verifies it, merges
// it into opts.Base if it is a delta, and saves the full manifest it
// gives. The signature is checked on the first line before anything
// else is read; the body streams to disk while it is hashed; the saved
// file becomes visible (by rename) only once every hash matched.
func Receive(r io.Reader, o ReceiveOptions) (*Saved, error) {
	br, err := plain(r)
	if err != nil {
		return nil, err
	}
	first, err := readLine(br, maxHeaderBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: header line: %v", ErrMalformed, err)
	}
	h, err := openHeader(first, o.PublicKey)
	if err != nil {
		return nil, err
	}
	if o.Check != nil {
		if err := o.Check(h); err != nil {
			return nil, err
		}
	}
	if h.Base != 0 && (o.Base == nil || o.Base.Header.Version != h.Base) {
		held := int64(0)
		if o.Base != nil {
			held = o.Base.Header.Version
		}
		return nil, fmt.Errorf("%w: delta against version %d, this node holds %d", ErrBase, h.Base, held)
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(o.Dir, "manifest-"+strconv.FormatInt(h.Version, 10))
	tmp, err := os.CreateTemp(o.Dir, ".receiving-*")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	m := &merger{in: br, out: bufio.NewWriterSize(tmp, 1<<20), h: h, body: sha256.New(), result: sha256.New()}
	m.out.Write(first)
	m.out.WriteByte('\n')
	if err := m.run(o.Base); err != nil {
		return nil, err
	}
	put := func(string, []byte) error { return fmt.Errorf("%w: inline indexes are not taken here", ErrMalformed) }
	if o.Indexes != nil {
		put = o.Indexes.Put
	}
	if err := m.inline(put); err != nil {
		return nil, err
	}
	if err := m.out.Flush(); err != nil {
		return nil, err
	}
	if err := tmp.Sync(); err != nil {
		return nil, err
	}
	if err := tmp.Close(); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return nil, err
	}
	return &Saved{Path: path, Header: *h}, nil
}

// merger writes the full manifest a document gives.
type merger struct {
	in           *bufio.Reader
	out          *bufio.Writer
	h            *Header
	body, result hash.Hash
	total        int
	last         string // prefix of the last line read from the document
}

func (m *merger) emit(line []byte) {
	m.out.Write(line)
	m.result.Write(line)
	m.total++
}

// next reads the document's next group line, checked and in order.
func (m *merger) next(delta bool) ([]byte, *Group, error) {
	line, err := readLine(m.in, maxLineBytes)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: group line: %v", ErrMalformed, err)
	}
	line = append(line, '\n')
	m.body.Write(line)
	g, err := ParseGroup(line, delta)
	if err != nil {
		return nil, nil, err
	}
	if g.Prefix <= m.last {
		return nil, nil, fmt.Errorf("%w: groups out of order at %q", ErrMalformed, g.Prefix)
	}
	m.last = g.Prefix
	return line, g, nil
}

func (m *merger) run(base *Saved) error {
	if m.h.Base == 0 {
		for range m.h.Groups {
			line, _, err := m.next(false)
			if err != nil {
				return err
			}
			m.emit(line)
		}
		return m.check(ErrSignature)
	}
	old, err := openLines(base.Path)
	if err != nil {
		return fmt.Errorf("%w: reading the base: %v", ErrBase, err)
	}
	defer old.Close()
	for range m.h.Groups {
		line, g, err := m.next(true)
		if err != nil {
			return err
		}
		for old.ok() && old.prefix < g.Prefix {
			m.emit(old.line)
			old.advance()
		}
		switch {
		case old.ok() && old.prefix == g.Prefix:
			old.advance()
		case g.Removed:
			return fmt.Errorf("%w: the delta removes %q, which version %d lacks", ErrBase, g.Prefix, base.Header.Version)
		}
		if !g.Removed {
			m.emit(line)
		}
	}
	for ; old.ok(); old.advance() {
		m.emit(old.line)
	}
	if old.err != nil {
		return fmt.Errorf("%w: reading the base: %v", ErrBase, old.err)
	}
	return m.check(ErrBase)
}

// check compares the hashes with the header's: a body that differs was
// altered; a result that differs (a delta) came from another base.
func (m *merger) check(resultErr error) error {
	if got := hex.EncodeToString(m.body.Sum(nil)); got != m.h.Body {
		return fmt.Errorf("%w: the body does not match its signed hash", ErrSignature)
	}
	if got := hex.EncodeToString(m.result.Sum(nil)); got != m.h.Result || m.total != m.h.Total {
		return fmt.Errorf("%w: the merged manifest (%d groups) does not match the signed result (%d groups)", resultErr, m.total, m.h.Total)
	}
	return nil
}

// inline stores the indexes that follow the group lines, if any.
func (m *merger) inline(put func(hash string, data []byte) error) error {
	for {
		line, err := readLine(m.in, MaxIndexBytes*2)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: inline index: %v", ErrMalformed, err)
		}
		var ix inlineIndex
		if err := json.Unmarshal(line, &ix); err != nil {
			return fmt.Errorf("%w: inline index: %v", ErrMalformed, err)
		}
		data, err := base64.StdEncoding.DecodeString(ix.Data)
		if err != nil {
			return fmt.Errorf("%w: inline index: %v", ErrMalformed, err)
		}
		if err := put(ix.Index, data); err != nil {
			return err
		}
	}
}

// Load re-verifies a saved manifest (after a restart): the header's
// signature and the lines' hash.
func Load(path string, pub ed25519.PublicKey) (*Saved, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	first, err := readLine(br, maxHeaderBytes)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: header line: %v", ErrMalformed, path, err)
	}
	h, err := openHeader(first, pub)
	if err != nil {
		return nil, err
	}
	s := sha256.New()
	n := 0
	for {
		line, err := readLine(br, maxLineBytes)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %v", ErrMalformed, path, err)
		}
		s.Write(line)
		s.Write([]byte{'\n'})
		n++
	}
	if hex.EncodeToString(s.Sum(nil)) != h.Result || n != h.Total {
		return nil, fmt.Errorf("%w: %s does not match its signed result", ErrMalformed, path)
	}
	return &Saved{Path: path, Header: *h}, nil
}

// Each calls fn with every group of the saved manifest, in prefix order,
// with the offset and length of its line in the file (for ReadGroup).
func (s *Saved) Each(fn func(g *Group, off int64, n int) error) error {
	f, err := os.Open(s.Path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 1<<20)
	first, err := readLine(br, maxHeaderBytes)
	if err != nil {
		return err
	}
	off := int64(len(first) + 1)
	for {
		line, err := readLine(br, maxLineBytes)
		if errors.Is(err, io.EOF) && len(line) == 0 {
			return nil
		}
		if err != nil {
			return err
		}
		g, err := ParseGroup(line, false)
		if err != nil {
			return err
		}
		if err := fn(g, off, len(line)); err != nil {
			return err
		}
		off += int64(len(line) + 1)
	}
}

// ReadGroup reads the group line at off (of n bytes) of an open saved
// manifest.
func ReadGroup(f io.ReaderAt, off int64, n int) (*Group, error) {
	if n <= 0 || n > maxLineBytes {
		return nil, fmt.Errorf("%w: group line of %d bytes", ErrMalformed, n)
	}
	b := make([]byte, n)
	if _, err := f.ReadAt(b, off); err != nil {
		return nil, err
	}
	return ParseGroup(b, false)
}

// lines reads the group lines of a saved manifest, one ahead.
type lines struct {
	f      *os.File
	br     *bufio.Reader
	line   []byte // current line, with its newline; nil at the end
	prefix string
	err    error
}

func openLines(path string) (*lines, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	l := &lines{f: f, br: bufio.NewReaderSize(f, 1<<20)}
	if _, err := readLine(l.br, maxHeaderBytes); err != nil {
		f.Close()
		return nil, err
	}
	l.advance()
	return l, nil
}

func (l *lines) ok() bool { return l.line != nil }

func (l *lines) advance() {
	line, err := readLine(l.br, maxLineBytes)
	if err != nil {
		if !errors.Is(err, io.EOF) || len(line) > 0 {
			l.err = err
		}
		l.line = nil
		return
	}
	var g struct {
		Prefix string `json:"prefix"`
	}
	if err := json.Unmarshal(line, &g); err != nil {
		l.err, l.line = err, nil
		return
	}
	l.line, l.prefix = append(bytes.Clone(line), '\n'), g.Prefix
}

func (l *lines) Close() error { return l.f.Close() }

// readLine returns the next line without its newline; a last line without
// one is an error (a truncated document), io.EOF at the end.
func readLine(br *bufio.Reader, limit int) ([]byte, error) {
	var out []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(out)+len(chunk) > limit+1 {
			return nil, fmt.Errorf("line longer than %d bytes", limit)
		}
		switch {
		case err == nil:
			if out == nil {
				return chunk[:len(chunk)-1], nil
			}
			return append(out, chunk[:len(chunk)-1]...), nil
		case errors.Is(err, bufio.ErrBufferFull):
			out = append(out, chunk...)
		case errors.Is(err, io.EOF) && len(out)+len(chunk) == 0:
			return nil, io.EOF
		case errors.Is(err, io.EOF):
			return nil, errors.New("truncated: last line has no newline")
		default:
			return nil, err
		}
	}
}

// plain returns a reader of r's bytes, gunzipped if they are gzip.
func plain(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if magic, _ := br.Peek(2); len(magic) == 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%w: gzip: %v", ErrMalformed, err)
		}
		return bufio.NewReaderSize(io.LimitReader(zr, MaxDocumentBytes), 1<<20), nil
	}
	return bufio.NewReaderSize(io.LimitReader(br, MaxDocumentBytes), 1<<20), nil
}
