package hitsim

import (
	"math"
	"time"

	"github.com/vodedge/vodedge/bench/trace"
)

// never is the next-use index of a slice that is not accessed again.
const never = math.MaxInt32

// access is one slice touched by one request.
type access struct {
	id    int32 // slice id: index into workload.keys
	next  int32 // index of the next access to the same slice, or never
	req   int32 // index of the request
	bytes int64 // bytes of the request within this slice
	first bool  // first slice of its request
}

// workload is a trace turned into slice accesses, shared read-only by
// every policy run.
type workload struct {
	keys      []string // slice id → "key#slice"
	sizes     []int64  // slice id → slice length
	accesses  []access
	times     []time.Duration // request index → time
	countFrom int32           // first counted request
	footprint int64           // sum of sizes
	requested int64           // counted requested bytes
	counted   int             // counted requests
	days      int
}

// newWorkload slices every request of reqs into sliceBytes-aligned
// slices and links each access to the next access of the same slice.
func newWorkload(reqs []trace.Request, sliceBytes int64, warmupDays int) *workload {
	w := &workload{times: make([]time.Duration, len(reqs))}
	ids := map[string]int32{}
	for i, r := range reqs {
		w.times[i] = r.Time
		w.addRequest(ids, int32(i), r, sliceBytes)
	}
	for _, s := range w.sizes {
		w.footprint += s
	}
	w.linkNext()
	w.setWarmup(warmupDays)
	return w
}

func (w *workload) addRequest(ids map[string]int32, ri int32, r trace.Request, sliceBytes int64) {
	first, last := r.Extent()
	if last < first {
		return
	}
	for s := first / sliceBytes; s <= last/sliceBytes; s++ {
		lo, hi := s*sliceBytes, min((s+1)*sliceBytes, r.Size)-1
		key := r.Key + "#" + itoa(s)
		id, ok := ids[key]
		if !ok {
			id = int32(len(w.keys))
			ids[key] = id
			w.keys = append(w.keys, key)
			w.sizes = append(w.sizes, hi-lo+1)
		}
		n := min(hi, last) - max(lo, first) + 1
		w.accesses = append(w.accesses, access{id: id, next: never, req: ri, bytes: n, first: s == first/sliceBytes})
	}
}

func (w *workload) linkNext() {
	last := make([]int32, len(w.keys))
	for i := range last {
		last[i] = -1
	}
	for i := range w.accesses {
		a := &w.accesses[i]
		if p := last[a.id]; p >= 0 {
			w.accesses[p].next = int32(i)
		}
		last[a.id] = int32(i)
	}
}

// setWarmup excludes the first days (or the first fifth of a trace
// shorter than warmupDays+1 days) from the counted figures.
func (w *workload) setWarmup(warmupDays int) {
	if len(w.times) == 0 {
		return
	}
	span := w.times[len(w.times)-1]
	w.days = int(span/(24*time.Hour)) + 1
	from := int32(len(w.times) / 5)
	if warmupDays > 0 && w.days > warmupDays {
		cut := time.Duration(warmupDays) * 24 * time.Hour
		for from = 0; int(from) < len(w.times) && w.times[from] < cut; from++ {
		}
	} else if warmupDays == 0 {
		from = 0
	}
	w.countFrom = from
	for _, a := range w.accesses {
		if a.req >= from {
			w.requested += a.bytes
			if a.first {
				w.counted++
			}
		}
	}
}

func itoa(n int64) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}
