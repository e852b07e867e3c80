package httprange

import (
	"slices"
	"testing"
)

func TestCoalesce(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   []Range
		gap  int64
		want []Range
	}{
		{"nil", nil, 0, nil},
		{"one", []Range{{3, 4}}, 0, []Range{{3, 4}}},
		{"disjoint sorted", []Range{{0, 1}, {5, 6}}, 0, []Range{{0, 1}, {5, 6}}},
		{"disjoint unsorted", []Range{{5, 6}, {0, 1}}, 0, []Range{{0, 1}, {5, 6}}},
		{"overlap", []Range{{0, 5}, {3, 8}}, 0, []Range{{0, 8}}},
		{"contained", []Range{{0, 9}, {3, 4}}, 0, []Range{{0, 9}}},
		{"duplicates", []Range{{2, 3}, {2, 3}, {2, 3}}, 0, []Range{{2, 3}}},
		{"touching", []Range{{0, 4}, {5, 9}}, 0, []Range{{0, 9}}},
		{"gap 3 under 4", []Range{{0, 1}, {5, 6}}, 4, []Range{{0, 6}}},
		{"gap 3 not under 3", []Range{{0, 1}, {5, 6}}, 3, []Range{{0, 1}, {5, 6}}},
		{"negative gap", []Range{{0, 1}, {3, 4}}, -5, []Range{{0, 1}, {3, 4}}},
		{"chain", []Range{{20, 30}, {0, 10}, {11, 15}, {16, 19}, {40, 41}}, 0, []Range{{0, 30}, {40, 41}}},
		{"suffix and open", []Range{{7, 9}, {0, 1}, {5, 9}}, 0, []Range{{0, 1}, {5, 9}}},
		{"huge", []Range{{0, 1<<63 - 2}, {1<<63 - 2, 1<<63 - 2}}, 1<<63 - 1, []Range{{0, 1<<63 - 2}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Coalesce(slices.Clone(tc.in), tc.gap)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Coalesce(%v, %d) = %v, want %v", tc.in, tc.gap, got, tc.want)
			}
		})
	}
}

func TestCoalesceAllocs(t *testing.T) {
	rs := make([]Range, 8)
	n := testing.AllocsPerRun(100, func() {
		copy(rs, []Range{{9, 9}, {0, 1}, {5, 6}, {2, 3}, {8, 8}, {1, 2}, {7, 7}, {4, 4}})
		_ = Coalesce(rs, 0)
	})
	if n != 0 {
		t.Fatalf("Coalesce allocates %.1f times, want 0", n)
	}
}

// refCoalesce marks covered bytes, fills holes shorter than gap, and reads
// the runs back.
func refCoalesce(rs []Range, gap int64, limit int) []Range {
	covered := make([]bool, limit)
	for _, r := range rs {
		for i := r.Start; i <= r.End; i++ {
			covered[i] = true
		}
	}
	var runs []Range
	for i := 0; i < limit; i++ {
		if !covered[i] {
			continue
		}
		j := i
		for j+1 < limit && covered[j+1] {
			j++
		}
		if n := len(runs); n > 0 && int64(i)-runs[n-1].End-1 < gap {
			runs[n-1].End = int64(j)
		} else {
			runs = append(runs, Range{int64(i), int64(j)})
		}
		i = j
	}
	return runs
}

func FuzzCoalesce(f *testing.F) {
	f.Add([]byte{5, 6, 0, 1, 3, 8}, int8(0))
	f.Add([]byte{0, 4, 5, 9, 20, 30}, int8(3))
	f.Add([]byte{0, 0, 255, 255}, int8(-1))
	f.Fuzz(func(t *testing.T, data []byte, gap int8) {
		var rs []Range
		for i := 0; i+1 < len(data); i += 2 {
			a, b := int64(data[i]), int64(data[i+1])
			rs = append(rs, Range{min(a, b), max(a, b)})
		}
		want := refCoalesce(rs, int64(gap), 256)
		got := Coalesce(slices.Clone(rs), int64(gap))
		if len(got) == 0 {
			got = nil
		}
		if !slices.Equal(got, want) {
			t.Fatalf("Coalesce(%v, %d) = %v, want %v", rs, gap, got, want)
		}
	})
}

func BenchmarkCoalesce(b *testing.B) {
	in := []Range{{9000, 9999}, {0, 99}, {5000, 5999}, {100, 199}, {8000, 8999}, {150, 250}, {7000, 7999}, {300, 400}}
	rs := make([]Range, len(in))
	b.ReportAllocs()
	for b.Loop() {
		copy(rs, in)
		_ = Coalesce(rs, 80)
	}
}
