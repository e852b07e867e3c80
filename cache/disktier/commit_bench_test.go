package disktier

import (
	"fmt"
	"sync"
	"testing"
)

// BenchmarkCommit measures stored 16 KiB objects per second, one writer
// and eight, with the index synced on every commit (concurrent commits
// share WAL syncs).
func BenchmarkCommit(b *testing.B) {
	data := make([]byte, 16<<10)
	for _, writers := range []int{1, 8} {
		b.Run(fmt.Sprintf("writers=%d", writers), func(b *testing.B) {
			cfg := DefaultConfig(b.TempDir(), 8<<30)
			cfg.ScrubBytesPerSec = 0
			s, err := Open(cfg, Deps{})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			for !s.Loaded() {
			}
			var mu sync.Mutex
			next := 0
			b.ResetTimer()
			var wg sync.WaitGroup
			for range writers {
				wg.Go(func() {
					for {
						mu.Lock()
						i := next
						next++
						mu.Unlock()
						if i >= b.N {
							return
						}
						w, err := s.Create(Record{Key: fmt.Sprint("/o/", i), Length: int64(len(data)), ObjSize: int64(len(data))})
						if err != nil {
							b.Error(err)
							return
						}
						w.Write(data)
						if err := w.Commit(); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
		})
	}
}
