package disktier

// Measurements behind the storage layout decision in cache/doc.go: where
// segment bytes live. Three candidates, each written and then sent to a
// loopback socket the way a response would be:
//
//	files  one file per slice (temp file + rename), sent with sendfile(2)
//	slab   slices appended to one large file, sent with sendfile(2) at an offset
//	pebble slices as Pebble values (NoSync), sent with write(2) from Get's copy
//
// Run: go test -run=^$ -bench=Layout -benchtime=1x ./cache/disktier/

import (
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"testing"

	"github.com/cockroachdb/pebble/v2"
)

type layout interface {
	put(i int, data []byte) error
	send(i int, c *net.TCPConn) error
	close()
}

type filesLayout struct {
	dir  string
	size int64
}

func (l *filesLayout) path(i int) string { return filepath.Join(l.dir, fmt.Sprintf("%08d", i)) }

func (l *filesLayout) put(i int, data []byte) error {
	tmp := l.path(i) + ".tmp"
	if err := os.WriteFile(tmp, data, 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, l.path(i))
}

func (l *filesLayout) send(i int, c *net.TCPConn) error {
	f, err := os.Open(l.path(i))
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = c.ReadFrom(&io.LimitedReader{R: f, N: l.size})
	return err
}

func (l *filesLayout) close() {}

type slabLayout struct {
	f    *os.File
	size int64
}

func (l *slabLayout) put(i int, data []byte) error {
	_, err := l.f.WriteAt(data, int64(i)*l.size)
	return err
}

func (l *slabLayout) send(i int, c *net.TCPConn) error {
	f, err := os.Open(l.f.Name()) // a reader has its own offset
	if err != nil {
		return err
	}
	defer f.Close()
	if _, err := f.Seek(int64(i)*l.size, io.SeekStart); err != nil {
		return err
	}
	_, err = c.ReadFrom(&io.LimitedReader{R: f, N: l.size})
	return err
}

func (l *slabLayout) close() { l.f.Close() }

type pebbleLayout struct{ db *pebble.DB }

func key(i int) []byte { return fmt.Appendf(nil, "obj/%08d", i) }

func (l *pebbleLayout) put(i int, data []byte) error { return l.db.Set(key(i), data, pebble.NoSync) }

func (l *pebbleLayout) send(i int, c *net.TCPConn) error {
	v, closer, err := l.db.Get(key(i))
	if err != nil {
		return err
	}
	defer closer.Close()
	_, err = c.Write(v)
	return err
}

func (l *pebbleLayout) close() { l.db.Close() }

// sink is a loopback TCP connection whose far end discards everything.
func sink(b *testing.B) *net.TCPConn {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go func() {
		c, err := ln.Accept()
		ln.Close()
		if err == nil {
			io.Copy(io.Discard, c)
			c.Close()
		}
	}()
	c, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c.(*net.TCPConn)
}

func newLayout(b *testing.B, name string, size int64) layout {
	dir := b.TempDir()
	switch name {
	case "files":
		return &filesLayout{dir: dir, size: size}
	case "slab":
		f, err := os.Create(filepath.Join(dir, "slab"))
		if err != nil {
			b.Fatal(err)
		}
		return &slabLayout{f: f, size: size}
	default:
		db, err := pebble.Open(dir, &pebble.Options{})
		if err != nil {
			b.Fatal(err)
		}
		return &pebbleLayout{db: db}
	}
}

func BenchmarkLayout(b *testing.B) {
	for _, sc := range []struct {
		name  string
		size  int64
		count int
	}{{"4MiB", 4 << 20, 150}, {"16KiB", 16 << 10, 4000}} {
		data := make([]byte, sc.size)
		for i := range data {
			data[i] = byte(rand.Uint32())
		}
		for _, name := range []string{"files", "slab", "pebble"} {
			b.Run(fmt.Sprintf("write/%s/%s", sc.name, name), func(b *testing.B) {
				b.SetBytes(sc.size * int64(sc.count))
				for b.Loop() {
					l := newLayout(b, name, sc.size)
					for i := range sc.count {
						if err := l.put(i, data); err != nil {
							b.Fatal(err)
						}
					}
					l.close()
				}
			})
			b.Run(fmt.Sprintf("send/%s/%s", sc.name, name), func(b *testing.B) {
				l := newLayout(b, name, sc.size)
				defer l.close()
				for i := range sc.count {
					if err := l.put(i, data); err != nil {
						b.Fatal(err)
					}
				}
				c := sink(b)
				b.SetBytes(sc.size * int64(sc.count))
				for b.Loop() {
					for i := range sc.count {
						if err := l.send(i, c); err != nil {
							b.Fatal(err)
						}
					}
				}
			})
		}
	}
}
