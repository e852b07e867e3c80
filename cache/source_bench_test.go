package cache

import "testing"

// kindSource is the alternative to the source interface that
// BenchmarkSourceShape measures against it: a struct with an explicit
// kind field and methods switching on it.
type kindSource struct {
	kind sourceKind
	sl   *slice
	d    *diskSlice
	f    *fetch
}

type sourceKind uint8

const (
	kindRAM sourceKind = iota
	kindDisk
	kindFetch
)

func (k kindSource) complete() ([]byte, bool) {
	switch k.kind {
	case kindRAM:
		return k.sl.data, k.sl.mf == nil
	case kindDisk:
		return k.d.complete()
	}
	return k.f.complete()
}

// kindResult is result with a kindSource.
type kindResult struct {
	src  kindSource
	tier tier
	m    *meta
	off  int64
	out  outcome
	err  error
}

// What a RAM hit does with the lookup's result: it is built, handed down
// the response path, and asked for its bytes.

//go:noinline
func hitBytes(r *result) int {
	if r.err != nil {
		return int(r.out)
	}
	b, _ := r.src.complete()
	return len(b)
}

//go:noinline
func hitBytesKind(r *kindResult) int {
	if r.err != nil {
		return int(r.out)
	}
	b, _ := r.src.complete()
	return len(b)
}

//go:noinline
func foundRAM(sl *slice) result {
	return result{src: sl, tier: tierRAM, m: sl.meta, off: sl.off}
}

//go:noinline
func foundRAMKind(sl *slice) kindResult {
	return kindResult{src: kindSource{kind: kindRAM, sl: sl}, tier: tierRAM, m: sl.meta, off: sl.off}
}

// BenchmarkSourceShape compares the source interface with a struct with
// a kind field on what a RAM hit does with a source (see source.go).
func BenchmarkSourceShape(b *testing.B) {
	sl := &slice{key: "/k", meta: &meta{}, data: make([]byte, 16<<10)}
	b.Run("interface", func(b *testing.B) {
		n := 0
		for b.Loop() {
			r := foundRAM(sl)
			n += hitBytes(&r)
		}
		_ = n
	})
	b.Run("kind", func(b *testing.B) {
		n := 0
		for b.Loop() {
			r := foundRAMKind(sl)
			n += hitBytesKind(&r)
		}
		_ = n
	})
}
