package httprange

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
)

type parseCase struct {
	name string
	h    string
	size int64
	want []Range
	err  error
}

// manyRanges returns a header with n single-byte ranges.
func manyRanges(n int) string {
	var b strings.Builder
	b.WriteString("bytes=")
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(strconv.Itoa(i) + "-" + strconv.Itoa(i))
	}
	return b.String()
}

func rangesUpTo(n int) []Range {
	rs := make([]Range, n)
	for i := range rs {
		rs[i] = Range{int64(i), int64(i)}
	}
	return rs
}

var parseCases = []parseCase{
	// Absent header.
	{name: "empty", h: "", size: 10, err: ErrNoRange},
	{name: "blank", h: " \t ", size: 10, err: ErrNoRange},

	// Single ranges.
	{name: "first byte", h: "bytes=0-0", size: 10, want: []Range{{0, 0}}},
	{name: "closed", h: "bytes=2-5", size: 10, want: []Range{{2, 5}}},
	{name: "last byte exact", h: "bytes=9-9", size: 10, want: []Range{{9, 9}}},
	{name: "open", h: "bytes=3-", size: 10, want: []Range{{3, 9}}},
	{name: "open from zero", h: "bytes=0-", size: 10, want: []Range{{0, 9}}},
	{name: "suffix", h: "bytes=-3", size: 10, want: []Range{{7, 9}}},
	{name: "suffix one on size one", h: "bytes=-1", size: 1, want: []Range{{0, 0}}},
	{name: "suffix longer than size", h: "bytes=-100", size: 10, want: []Range{{0, 9}}},
	{name: "suffix equal to size", h: "bytes=-10", size: 10, want: []Range{{0, 9}}},
	{name: "end clipped", h: "bytes=0-99999", size: 10, want: []Range{{0, 9}}},
	{name: "leading zeros", h: "bytes=000-0010", size: 100, want: []Range{{0, 10}}},

	// Unit and whitespace.
	{name: "upper unit", h: "BYTES=0-1", size: 10, want: []Range{{0, 1}}},
	{name: "mixed unit", h: "ByTeS=0-1", size: 10, want: []Range{{0, 1}}},
	{name: "spaces around list", h: "bytes= 0-1 , 3-4", size: 10, want: []Range{{0, 1}, {3, 4}}},
	{name: "tabs", h: "bytes=\t0-1\t,\t3-4\t", size: 10, want: []Range{{0, 1}, {3, 4}}},
	{name: "outer whitespace", h: "  bytes=0-1  ", size: 10, want: []Range{{0, 1}}},
	{name: "empty elements", h: "bytes=,0-1,, ,2-3,", size: 10, want: []Range{{0, 1}, {2, 3}}},

	// Lists, in request order, unsatisfiable members dropped.
	{name: "list", h: "bytes=0-1, 5-9,-3", size: 10, want: []Range{{0, 1}, {5, 9}, {7, 9}}},
	{name: "list kept in order", h: "bytes=5-6,0-1", size: 10, want: []Range{{5, 6}, {0, 1}}},
	{name: "list overlapping kept", h: "bytes=0-5,2-3", size: 10, want: []Range{{0, 5}, {2, 3}}},
	{name: "list partly past end", h: "bytes=0-1,20-30,10-", size: 10, want: []Range{{0, 1}}},
	{name: "suffix zero dropped", h: "bytes=-0,0-0", size: 10, want: []Range{{0, 0}}},
	{name: "max ranges", h: manyRanges(MaxRanges), size: 100, want: rangesUpTo(MaxRanges)},

	// Unsatisfiable.
	{name: "start at size", h: "bytes=5-", size: 5, err: ErrUnsatisfiable},
	{name: "start past size", h: "bytes=6-7", size: 5, err: ErrUnsatisfiable},
	{name: "suffix zero", h: "bytes=-0", size: 10, err: ErrUnsatisfiable},
	{name: "all past end", h: "bytes=10-,20-30", size: 10, err: ErrUnsatisfiable},
	{name: "size 0 open", h: "bytes=0-", size: 0, err: ErrUnsatisfiable},
	{name: "size 0 closed", h: "bytes=0-0", size: 0, err: ErrUnsatisfiable},
	{name: "size 0 suffix", h: "bytes=-1", size: 0, err: ErrUnsatisfiable},
	{name: "negative size", h: "bytes=0-", size: -1, err: ErrUnsatisfiable},
	{name: "max start", h: "bytes=9223372036854775807-", size: 10, err: ErrUnsatisfiable},

	// Huge numbers.
	{name: "max int64 end", h: "bytes=0-9223372036854775807", size: 10, want: []Range{{0, 9}}},
	{name: "max int64 suffix", h: "bytes=-9223372036854775807", size: 10, want: []Range{{0, 9}}},
	{name: "max int64 size", h: "bytes=-1", size: 1<<63 - 1, want: []Range{{1<<63 - 2, 1<<63 - 2}}},
	{name: "end overflows", h: "bytes=0-9223372036854775808", size: 10, err: ErrInvalid},
	{name: "start overflows", h: "bytes=99999999999999999999-", size: 10, err: ErrInvalid},
	{name: "suffix overflows", h: "bytes=-99999999999999999999", size: 10, err: ErrInvalid},
	{name: "long zeros fit", h: "bytes=" + strings.Repeat("0", 100) + "1-2", size: 10, want: []Range{{1, 2}}},

	// Invalid.
	{name: "reversed", h: "bytes=1-0", size: 10, err: ErrInvalid},
	{name: "reversed past end", h: "bytes=20-15", size: 10, err: ErrInvalid},
	{name: "other unit", h: "items=0-1", size: 10, err: ErrInvalid},
	{name: "unit prefix", h: "bytesx=0-1", size: 10, err: ErrInvalid},
	{name: "unit only", h: "bytes", size: 10, err: ErrInvalid},
	{name: "no set", h: "bytes=", size: 10, err: ErrInvalid},
	{name: "only commas", h: "bytes=, ,", size: 10, err: ErrInvalid},
	{name: "space before equals", h: "bytes =0-1", size: 10, err: ErrInvalid},
	{name: "colon", h: "bytes:0-1", size: 10, err: ErrInvalid},
	{name: "control instead of equals", h: "bytes\x1d0-1", size: 10, err: ErrInvalid},
	{name: "long s unit", h: "byteſ=0-1", size: 10, err: ErrInvalid},
	{name: "dash only", h: "bytes=-", size: 10, err: ErrInvalid},
	{name: "no dash", h: "bytes=1", size: 10, err: ErrInvalid},
	{name: "double dash", h: "bytes=--1", size: 10, err: ErrInvalid},
	{name: "negative end", h: "bytes=1--2", size: 10, err: ErrInvalid},
	{name: "plus start", h: "bytes=+1-2", size: 10, err: ErrInvalid},
	{name: "plus end", h: "bytes=1-+2", size: 10, err: ErrInvalid},
	{name: "plus suffix", h: "bytes=-+1", size: 10, err: ErrInvalid},
	{name: "letters", h: "bytes=a-b", size: 10, err: ErrInvalid},
	{name: "hex", h: "bytes=0x10-", size: 100, err: ErrInvalid},
	{name: "decimal point", h: "bytes=1.5-2", size: 10, err: ErrInvalid},
	{name: "three parts", h: "bytes=1-2-3", size: 10, err: ErrInvalid},
	{name: "space inside", h: "bytes=0 -1", size: 10, err: ErrInvalid},
	{name: "space after dash", h: "bytes=0- 1", size: 10, err: ErrInvalid},
	{name: "trailing junk", h: "bytes=0-1;", size: 10, err: ErrInvalid},
	{name: "nul", h: "bytes=0-1\x00", size: 10, err: ErrInvalid},
	{name: "unicode digit", h: "bytes=٠-1", size: 10, err: ErrInvalid},
	{name: "invalid after valid", h: "bytes=0-1,x", size: 10, err: ErrInvalid},
	{name: "invalid after unsatisfiable", h: "bytes=20-,1-0", size: 10, err: ErrInvalid},

	// Attack limits.
	{name: "too many ranges", h: manyRanges(MaxRanges + 1), size: 100, err: ErrTooLarge},
	{name: "too many unsatisfiable", h: manyRanges(MaxRanges + 1), size: 0, err: ErrTooLarge},
	{name: "too long", h: "bytes=0-1" + strings.Repeat(" ", MaxHeaderLen), size: 10, err: ErrTooLarge},
	{name: "longest accepted", h: "bytes=" + strings.Repeat("0", MaxHeaderLen-8) + "-1", size: 10, want: []Range{{0, 1}}},
	{name: "too long blank", h: strings.Repeat(" ", MaxHeaderLen+1), size: 10, err: ErrTooLarge},
}

func TestParse(t *testing.T) {
	for _, tc := range parseCases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Parse(nil, []byte(tc.h), tc.size)
			if !errors.Is(err, tc.err) || (tc.err == nil && err != nil) {
				t.Fatalf("Parse(%q, %d) error = %v, want %v", tc.h, tc.size, err, tc.err)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("Parse(%q, %d) = %v, want %v", tc.h, tc.size, got, tc.want)
			}
		})
	}
}

func TestParseTooLargeIsInvalid(t *testing.T) {
	if !errors.Is(ErrTooLarge, ErrInvalid) {
		t.Fatal("ErrTooLarge must be an ErrInvalid")
	}
}

func TestParseAppendsToDst(t *testing.T) {
	dst := []Range{{100, 200}}
	got, err := Parse(dst, []byte("bytes=1-2"), 10)
	if err != nil || !slices.Equal(got, []Range{{100, 200}, {1, 2}}) {
		t.Fatalf("Parse appended %v, %v", got, err)
	}
	got, err = Parse(dst, []byte("bytes=x"), 10)
	if err == nil || !slices.Equal(got, dst) {
		t.Fatalf("Parse on error returned %v, %v; want dst unchanged", got, err)
	}
	got, err = Parse(dst, []byte("bytes=0-1,20-"), 10)
	if err != nil || !slices.Equal(got, []Range{{100, 200}, {0, 1}}) {
		t.Fatalf("Parse appended %v, %v", got, err)
	}
}

func TestRangeLength(t *testing.T) {
	for _, tc := range []struct {
		r    Range
		want int64
	}{{Range{0, 0}, 1}, {Range{2, 5}, 4}, {Range{0, 1<<63 - 2}, 1<<63 - 1}} {
		if got := tc.r.Length(); got != tc.want {
			t.Errorf("%v.Length() = %d, want %d", tc.r, got, tc.want)
		}
	}
}

func TestParseAllocs(t *testing.T) {
	dst := make([]Range, 0, MaxRanges)
	for _, h := range []string{"bytes=0-1023", "bytes=-500", "bytes= 0-1 , 5-9,-3", manyRanges(MaxRanges), "bytes=x", "bytes=20-"} {
		hb := []byte(h)
		if n := testing.AllocsPerRun(100, func() { _, _ = Parse(dst[:0], hb, 10) }); n != 0 {
			t.Errorf("Parse(%q) allocates %.1f times, want 0", h, n)
		}
	}
}

// refParse is a plain strings/strconv reading of the grammar, to check Parse
// against.
func refParse(h string, size int64) ([]Range, error) {
	if len(h) > MaxHeaderLen {
		return nil, ErrTooLarge
	}
	if h = strings.Trim(h, " \t"); h == "" {
		return nil, ErrNoRange
	}
	unit, set, ok := strings.Cut(h, "=")
	if !ok || asciiLower(unit) != "bytes" {
		return nil, ErrInvalid
	}
	var out []Range
	specs := 0
	for _, e := range strings.Split(set, ",") {
		if e = strings.Trim(e, " \t"); e == "" {
			continue
		}
		if specs++; specs > MaxRanges {
			return nil, ErrTooLarge
		}
		r, ok, err := refSpec(e, max(size, 0))
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, r)
		}
	}
	switch {
	case specs == 0:
		return nil, ErrInvalid
	case len(out) == 0:
		return nil, ErrUnsatisfiable
	}
	return out, nil
}

func refSpec(e string, size int64) (Range, bool, error) {
	first, last, ok := strings.Cut(e, "-")
	if !ok {
		return Range{}, false, ErrInvalid
	}
	if first == "" {
		n, err := strconv.ParseUint(last, 10, 63)
		if err != nil {
			return Range{}, false, ErrInvalid
		}
		if n == 0 || size == 0 {
			return Range{}, false, nil
		}
		return Range{max(size-int64(n), 0), size - 1}, true, nil
	}
	a, err := strconv.ParseUint(first, 10, 63)
	if err != nil {
		return Range{}, false, ErrInvalid
	}
	b := uint64(1<<63 - 1)
	if last != "" {
		if b, err = strconv.ParseUint(last, 10, 63); err != nil {
			return Range{}, false, ErrInvalid
		}
	}
	if b < a {
		return Range{}, false, ErrInvalid
	}
	if int64(a) >= size {
		return Range{}, false, nil
	}
	return Range{int64(a), min(int64(b), size-1)}, true, nil
}

func asciiLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func TestRefParseAgreesOnTable(t *testing.T) {
	for _, tc := range parseCases {
		got, err := refParse(tc.h, tc.size)
		if !errors.Is(err, tc.err) || !slices.Equal(got, tc.want) {
			t.Errorf("%s: refParse = %v, %v; want %v, %v", tc.name, got, err, tc.want, tc.err)
		}
	}
}

// format writes rs back as a Range header.
func format(rs []Range) []byte {
	b := []byte("bytes=")
	for i, r := range rs {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendInt(b, r.Start, 10)
		b = append(b, '-')
		b = strconv.AppendInt(b, r.End, 10)
	}
	return b
}

func FuzzParse(f *testing.F) {
	for _, tc := range parseCases {
		f.Add([]byte(tc.h), tc.size)
	}
	f.Fuzz(func(t *testing.T, h []byte, size int64) {
		prefix := []Range{{-7, -7}}
		got, err := Parse(prefix, h, size)
		if !slices.Equal(got[:1], prefix) || (err != nil && len(got) != 1) {
			t.Fatalf("Parse(%q, %d) clobbered dst: %v, %v", h, size, got, err)
		}
		got = got[1:]
		want, werr := refParse(string(h), size)
		if err != werr || !slices.Equal(got, want) {
			t.Fatalf("Parse(%q, %d) = %v, %v; reference says %v, %v", h, size, got, err, want, werr)
		}
		if err != nil {
			return
		}
		if len(got) == 0 || len(got) > MaxRanges {
			t.Fatalf("Parse(%q, %d) returned %d ranges", h, size, len(got))
		}
		for _, r := range got {
			if r.Start < 0 || r.Start > r.End || r.End >= size {
				t.Fatalf("Parse(%q, %d) returned %v outside [0,%d)", h, size, r, size)
			}
		}
		again, err := Parse(nil, format(got), size)
		if err != nil || !slices.Equal(again, got) {
			t.Fatalf("Parse(format(%v)) = %v, %v; not stable", got, again, err)
		}
	})
}

func BenchmarkParse(b *testing.B) {
	for _, bc := range []struct{ name, h string }{
		{"closed", "bytes=0-1048575"},
		{"open", "bytes=1048576-"},
		{"suffix", "bytes=-65536"},
		{"list3", "bytes=0-1, 5-9,-3"},
		{"list32", manyRanges(MaxRanges)},
		{"invalid", "items=0-1"},
	} {
		h := []byte(bc.h)
		dst := make([]Range, 0, MaxRanges)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(h)))
			for b.Loop() {
				dst, _ = Parse(dst[:0], h, 4<<20)
			}
		})
	}
}
