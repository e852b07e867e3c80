package evict

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// BenchmarkCompact measures a table of each scaleSizes size: touch (a
// hit on a random entry), touch-parallel (the same from every CPU, on
// the one lock), evict (a replacement: Victim, Evict, Add of a new key)
// and add-remove (storing and purging a key). It reports the table's
// heap bytes per entry beside each.
func BenchmarkCompact(b *testing.B) {
	for _, n := range scaleSizes() {
		c, alloc, _, _ := fillCompact(b, n)
		next := n // keys added by evict so far: each run adds new ones
		run := func(name string, fn func(b *testing.B)) {
			b.Run(fmt.Sprintf("entries=%d/%s", n, name), func(b *testing.B) {
				fn(b)
				b.ReportMetric(alloc, "heap-B/entry")
			})
		}
		run("touch", func(b *testing.B) {
			r := rand.New(rand.NewPCG(1, 2))
			for b.Loop() {
				c.Touch(scaleKey(r.IntN(n)))
			}
		})
		run("touch-parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				r := rand.New(rand.NewPCG(rand.Uint64(), 2))
				for pb.Next() {
					c.Touch(scaleKey(r.IntN(n)))
				}
			})
		})
		run("evict", func(b *testing.B) {
			for b.Loop() {
				v, _ := c.Victim()
				c.Evict(v)
				c.Add(scaleKey(next), 4<<20, false)
				next++
			}
		})
		run("add-remove", func(b *testing.B) {
			h := scaleKey(-1)
			for b.Loop() {
				c.Add(h, 4<<20, false)
				c.Remove(h, 4<<20)
			}
		})
	}
}
