package evict

import (
	"container/list"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/vodedge/vodedge/internal/zipf"
)

// cache is the interface both the exact LRU and the Table-based caches
// offer the simulation.
type simCache interface {
	get(k string) bool
	put(k string, size int64)
}

type exactLRU struct {
	cap, used int64
	ll        *list.List
	m         map[string]*list.Element
}

type lruItem struct {
	k    string
	size int64
}

func (c *exactLRU) get(k string) bool {
	if e, ok := c.m[k]; ok {
		c.ll.MoveToFront(e)
		return true
	}
	return false
}

func (c *exactLRU) put(k string, size int64) {
	for c.used+size > c.cap && c.ll.Len() > 0 {
		e := c.ll.Back()
		it := e.Value.(lruItem)
		c.ll.Remove(e)
		delete(c.m, it.k)
		c.used -= it.size
	}
	c.m[k] = c.ll.PushFront(lruItem{k, size})
	c.used += size
}

type tableCache struct {
	cap, used int64
	t         *Table
}

func (c *tableCache) get(k string) bool { return c.t.Touch(k) }

func (c *tableCache) put(k string, size int64) {
	for c.used+size > c.cap {
		k, ok := c.t.Victim()
		if !ok {
			return
		}
		c.used -= c.t.Evict(k)
	}
	c.t.Add(k, size, false)
	c.used += size
}

// segment sizes of a bitrate ladder: 4-second segments from 400 kbit/s to
// 8 Mbit/s.
var ladder = []int64{200 << 10, 500 << 10, 1 << 20, 2 << 20, 4 << 20}

type result struct{ byteHit, objHit float64 }

func simulate(t *testing.T, c simCache, objects int, alpha float64, requests int, seed uint64) result {
	r := rand.New(rand.NewPCG(seed, 7))
	z, err := zipf.New(objects, alpha)
	if err != nil {
		t.Fatal(err)
	}
	sizes := make([]int64, objects)
	for i := range sizes {
		sizes[i] = ladder[r.IntN(len(ladder))]
	}
	var hitB, allB int64
	var hits int
	warm := requests / 5
	for i := range requests {
		k := z.Draw(r)
		key := fmt.Sprint(k)
		hit := c.get(key)
		if !hit {
			c.put(key, sizes[k])
		}
		if i < warm {
			continue
		}
		allB += sizes[k]
		if hit {
			hitB += sizes[k]
			hits++
		}
	}
	return result{float64(hitB) / float64(allB), float64(hits) / float64(requests-warm)}
}

// TestPolicyHitRatios prints byte and object hit ratios of each policy on
// a Zipf workload with a cache of 10 % of the catalogue, against exact
// LRU, and checks the chosen policy (LFU-DA) beats LRU in byte hit ratio.
// Run with -v to see the table.
func TestPolicyHitRatios(t *testing.T) {
	objects, requests := 20000, 300000
	if raceEnabled {
		requests = 100000
	}
	meanSize := int64(0)
	for _, s := range ladder {
		meanSize += s
	}
	catalogue := meanSize / int64(len(ladder)) * int64(objects)
	capacity := catalogue / 10
	for _, alpha := range []float64{0.8, 1.0} {
		lru := simulate(t, &exactLRU{cap: capacity, ll: list.New(), m: map[string]*list.Element{}}, objects, alpha, requests, 1)
		t.Logf("alpha=%.1f cache=10%% of %d MiB: %-12s byte hit %.3f  object hit %.3f", alpha, catalogue>>20, "exact-lru", lru.byteHit, lru.objHit)
		got := map[Policy]result{}
		for _, p := range []Policy{LRU, LFUDA, GDSF} {
			res := simulate(t, &tableCache{cap: capacity, t: New(p)}, objects, alpha, requests, 1)
			got[p] = res
			t.Logf("alpha=%.1f cache=10%% of %d MiB: %-12s byte hit %.3f  object hit %.3f", alpha, catalogue>>20, "sampled-"+p.String(), res.byteHit, res.objHit)
		}
		if got[LFUDA].byteHit <= lru.byteHit {
			t.Errorf("alpha=%.1f: LFU-DA byte hit %.3f does not beat exact LRU %.3f", alpha, got[LFUDA].byteHit, lru.byteHit)
		}
		if math.Abs(got[LRU].byteHit-lru.byteHit) > 0.03 {
			t.Errorf("alpha=%.1f: sampled LRU %.3f strays from exact LRU %.3f", alpha, got[LRU].byteHit, lru.byteHit)
		}
	}
}
