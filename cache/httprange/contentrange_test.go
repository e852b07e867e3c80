package httprange

import "testing"

func TestAppendContentRange(t *testing.T) {
	for _, tc := range []struct {
		r    Range
		size int64
		want string
	}{
		{Range{0, 0}, 1, "bytes 0-0/1"},
		{Range{0, 499}, 1234, "bytes 0-499/1234"},
		{Range{1<<63 - 2, 1<<63 - 2}, 1<<63 - 1, "bytes 9223372036854775806-9223372036854775806/9223372036854775807"},
	} {
		if got := string(AppendContentRange([]byte("x"), tc.r, tc.size)); got != "x"+tc.want {
			t.Errorf("AppendContentRange(%v, %d) = %q, want %q", tc.r, tc.size, got, "x"+tc.want)
		}
	}
}

func TestAppendUnsatisfied(t *testing.T) {
	for size, want := range map[int64]string{0: "bytes */0", 1234: "bytes */1234"} {
		if got := string(AppendUnsatisfied(nil, size)); got != want {
			t.Errorf("AppendUnsatisfied(%d) = %q, want %q", size, got, want)
		}
	}
}

func TestContentRangeAllocs(t *testing.T) {
	dst := make([]byte, 0, 64)
	n := testing.AllocsPerRun(100, func() {
		dst = AppendContentRange(dst[:0], Range{1 << 20, 2<<20 - 1}, 1<<30)
		dst = AppendUnsatisfied(dst[:0], 1<<30)
	})
	if n != 0 {
		t.Fatalf("Append*ContentRange allocates %.1f times, want 0", n)
	}
}

func BenchmarkAppendContentRange(b *testing.B) {
	dst := make([]byte, 0, 64)
	b.ReportAllocs()
	for b.Loop() {
		dst = AppendContentRange(dst[:0], Range{1 << 20, 2<<20 - 1}, 1<<30)
	}
}
