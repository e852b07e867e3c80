package origin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// File is an origin on local disk: key "/a/b.m4s" is the file a/b.m4s
// under a directory. Files are opened through an os.Root, so no key and no
// symbolic link can reach a file outside the directory. It is safe for
// concurrent use.
type File struct {
	dir  string
	root *os.Root
}

// NewFile opens dir as an origin. Close releases it.
func NewFile(dir string) (*File, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("origin: open file origin: %w", err)
	}
	return &File{dir: dir, root: root}, nil
}

// String describes the origin for logs.
func (o *File) String() string { return "file origin " + o.dir }

// Close closes the directory. Bodies already returned stay readable.
func (o *File) Close() error { return o.root.Close() }

// Fetch opens the file named by req.Key. ETag is strong, derived from the
// modification time and size (as nginx does): it changes when the file is
// rewritten. ContentType is left empty; the edge picks it by extension.
// A conditional request the file still matches is answered with 304.
// ctx is only checked on entry: local reads do not wait on anyone.
func (o *File) Fetch(ctx context.Context, req Request) (*Object, error) {
	if err := req.check(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("origin: open %s in %s: %w", req.Key, o.dir, err)
	}
	f, info, err := o.open(req.Key[1:])
	if err != nil {
		return nil, o.classify(req.Key, err)
	}
	meta := Meta{
		Size:         info.Size(),
		ETag:         fmt.Sprintf(`"%x-%x"`, info.ModTime().UnixNano(), info.Size()),
		LastModified: info.ModTime(),
	}
	if req.conditional() && req.unchanged(meta) {
		f.Close()
		return notModified(req, meta), nil
	}
	n, err := req.span(info.Size())
	if err == nil {
		_, err = f.Seek(req.Offset, io.SeekStart)
	}
	if err != nil {
		f.Close()
		return nil, err
	}
	return &Object{
		Meta:   meta,
		Offset: req.Offset,
		Length: n,
		Body:   &fileBody{f: f, lr: io.LimitedReader{R: f, N: n}, key: req.Key},
	}, nil
}

// open opens a regular file. O_NONBLOCK keeps a FIFO planted in the
// directory from blocking the open forever; it changes nothing for regular
// files, and anything else is refused after the fstat.
func (o *File) open(name string) (*os.File, fs.FileInfo, error) {
	f, err := o.root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = errNotRegular
	}
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, info, nil
}

var errNotRegular = errors.New("not a regular file")

// classify maps an open error onto the sentinels. os.Root reports an
// escape (a ".." or a symbolic link leading out of the directory) with an
// unexported error that carries no errno, so, once a closed root is ruled
// out, any failure without an errno is taken as an escape: ErrBadKey.
func (o *File) classify(key string, err error) error {
	var errno syscall.Errno
	sentinel := ErrUnreachable // EACCES, EIO, EMFILE, closed: cannot serve
	switch {
	case errors.Is(err, fs.ErrNotExist), errors.Is(err, syscall.ENOTDIR), errors.Is(err, errNotRegular):
		sentinel = ErrNotFound
	case errors.Is(err, fs.ErrClosed):
	case errors.Is(err, syscall.ELOOP), !errors.As(err, &errno):
		sentinel = ErrBadKey
	}
	return fmt.Errorf("origin: open %s in %s: %w: %w", key, o.dir, sentinel, err)
}

// fileBody reads Length bytes from the file's current offset. It is a
// LimitedReader over the *os.File so that io.Copy to a socket or a file can
// use sendfile or copy_file_range (see WriteTo). A file truncated while it
// is read yields ErrBadResponse rather than a silently short body.
type fileBody struct {
	f   *os.File
	lr  io.LimitedReader
	key string
}

func (b *fileBody) Read(p []byte) (int, error) {
	n, err := b.lr.Read(p)
	return n, b.check(err)
}

// WriteTo hands the LimitedReader to io.Copy, which lets *net.TCPConn and
// *os.File destinations copy in the kernel.
func (b *fileBody) WriteTo(w io.Writer) (int64, error) {
	n, err := io.Copy(w, &b.lr)
	if err == nil && b.lr.N > 0 {
		err = io.EOF
	}
	return n, b.check(err)
}

// check turns an EOF before the end of the range into ErrBadResponse.
func (b *fileBody) check(err error) error {
	if err == io.EOF && b.lr.N > 0 {
		return fmt.Errorf("origin: read %s: file ended %d bytes early: %w: %w", b.key, b.lr.N, ErrBadResponse, io.ErrUnexpectedEOF)
	}
	return err
}

func (b *fileBody) Close() error { return b.f.Close() }
