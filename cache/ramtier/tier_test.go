package ramtier

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/testutil"
	"go.uber.org/goleak"

	"github.com/vodedge/vodedge/internal/testenv"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type obj struct {
	key  string
	data []byte
}

func (o *obj) CacheKey() string   { return o.key }
func (o *obj) CacheSize() int64   { return int64(len(o.data)) }
func newObj(k string, n int) *obj { return &obj{key: k, data: make([]byte, n)} }

func newTier(t *testing.T, maxBytes int64) *Tier[*obj] {
	t.Helper()
	tr, err := New[*obj](Config{MaxBytes: maxBytes}, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tr.Close)
	return tr
}

func TestSetGetDel(t *testing.T) {
	tr := newTier(t, 1<<20)
	o := newObj("/a.m4s", 1000)
	if !tr.Set(o, 0) {
		t.Fatal("Set dropped on an idle tier")
	}
	tr.Wait()
	got, ok := tr.Get("/a.m4s")
	if !ok || got != o {
		t.Fatal("Get after Set+Wait missed")
	}
	if _, ok := tr.Get("/b.m4s"); ok {
		t.Fatal("Get of an absent key hit")
	}
	tr.Del("/a.m4s")
	if _, ok := tr.Get("/a.m4s"); ok {
		t.Fatal("Get after Del hit")
	}
	s := tr.Stats()
	if s.Deleted != 1 || s.Hits != 1 || s.Misses != 2 {
		t.Fatalf("stats = %+v", s)
	}
}

// TestHasCountsNoAccess: Has answers whether a key is stored without
// counting a hit or a miss (the admission policy sees only Gets).
func TestHasCountsNoAccess(t *testing.T) {
	tr := newTier(t, 1<<20)
	tr.Set(newObj("/a.m4s", 1000), 0)
	tr.Wait()
	if !tr.Has("/a.m4s") || tr.Has("/b.m4s") {
		t.Fatalf("Has: stored %v, absent %v", tr.Has("/a.m4s"), tr.Has("/b.m4s"))
	}
	if s := tr.Stats(); s.Hits != 0 || s.Misses != 0 {
		t.Fatalf("Has counted accesses: %+v", s)
	}
	tr.Del("/a.m4s")
	if tr.Has("/a.m4s") {
		t.Fatal("Has after Del")
	}
}

func TestCapacityIsBytesPlusOverhead(t *testing.T) {
	const n = 100
	size := int64(10_000)
	tr := newTier(t, 20*(size+EntryOverhead))
	for i := range n {
		tr.Set(newObj(string(rune('a'+i%26))+strings.Repeat("x", i), int(size)), 0)
		tr.Wait()
	}
	s := tr.Stats()
	if s.Bytes > s.MaxBytes {
		t.Fatalf("tier holds %d bytes over its %d capacity", s.Bytes, s.MaxBytes)
	}
	if s.Items > 20 || s.Items < 1 {
		t.Fatalf("items = %d, want 1..20", s.Items)
	}
	if s.Evictions+s.Rejected == 0 {
		t.Fatal("expected evictions or rejections once full")
	}
}

func TestTTLExpires(t *testing.T) {
	tr := newTier(t, 1<<20)
	tr.Set(newObj("/404", 0), 50*time.Millisecond)
	tr.Wait()
	if _, ok := tr.Get("/404"); !ok {
		t.Fatal("entry missing before its TTL")
	}
	testenv.Eventually(t, 5*time.Second, "the entry to expire after its TTL", func() bool {
		_, ok := tr.Get("/404")
		return !ok
	})
}

func TestCollector(t *testing.T) {
	tr := newTier(t, 1<<20)
	tr.Set(newObj("/a", 100), 0)
	tr.Wait()
	reg := prometheus.NewRegistry()
	if err := tr.Register(reg); err != nil {
		t.Fatal(err)
	}
	want := `
# HELP vodedge_ram_bytes Bytes charged to the RAM tier (values plus per-entry overhead).
# TYPE vodedge_ram_bytes gauge
vodedge_ram_bytes 356
# HELP vodedge_ram_items Entries in the RAM tier.
# TYPE vodedge_ram_items gauge
vodedge_ram_items 1
`
	if err := testutil.GatherAndCompare(reg, strings.NewReader(want), "vodedge_ram_bytes", "vodedge_ram_items"); err != nil {
		t.Fatal(err)
	}
}

func TestBadConfig(t *testing.T) {
	if _, err := New[*obj](Config{MaxBytes: -1}, nil); err == nil {
		t.Fatal("negative capacity accepted")
	}
}

func TestDisabledTierHoldsNothing(t *testing.T) {
	tr, err := New[*obj](Config{MaxBytes: 0}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if tr.Set(newObj("/a", 10), 0) {
		t.Fatal("disabled tier accepted a Set")
	}
	tr.Wait()
	if _, ok := tr.Get("/a"); ok || tr.Has("/a") {
		t.Fatal("disabled tier hit")
	}
	tr.Del("/a")
	tr.Each(func(*obj) bool { t.Fatal("disabled tier has values"); return false })
	if s := tr.Stats(); s != (Stats{}) {
		t.Fatalf("stats %+v", s)
	}
}

func TestOnExitSeesEveryValueOnce(t *testing.T) {
	exited := map[string]int{}
	var mu sync.Mutex
	tr, err := New[*obj](Config{MaxBytes: 3 * (1000 + EntryOverhead)}, func(o *obj) {
		mu.Lock()
		exited[o.key]++
		mu.Unlock()
	})
	if err != nil {
		t.Fatal(err)
	}
	for i := range 20 {
		tr.Set(newObj(fmt.Sprint(i), 1000), 0)
		tr.Wait()
	}
	tr.Del("19")
	tr.Close()
	mu.Lock()
	defer mu.Unlock()
	for i := range 20 {
		if n := exited[fmt.Sprint(i)]; n != 1 {
			t.Errorf("value %d exited %d times, want once", i, n)
		}
	}
}
