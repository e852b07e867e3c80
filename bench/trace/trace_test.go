package trace

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"
)

func smallConfig() GenConfig {
	c := DefaultGenConfig()
	c.Days, c.Titles, c.NewPerDay, c.SessionsPerDay, c.MeanWatchMinutes = 2, 50, 5, 100, 2
	return c
}

func TestRoundTrip(t *testing.T) {
	for _, layout := range []Layout{LayoutSegments, LayoutRanges} {
		cfg := smallConfig()
		cfg.Layout = layout
		reqs, err := Generate(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := WriteAll(&buf, reqs); err != nil {
			t.Fatal(err)
		}
		back, err := ReadAll(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(back, reqs) {
			t.Fatalf("%s: %d requests read back differ from the %d written", layout, len(back), len(reqs))
		}
		t.Logf("%s: %d requests, %d bytes of CSV; first line %q", layout, len(reqs), buf.Len(), strings.Split(buf.String(), "\n")[1])
	}
}

func TestGenerateDeterministic(t *testing.T) {
	a, _ := Generate(smallConfig())
	b, _ := Generate(smallConfig())
	if !reflect.DeepEqual(a, b) {
		t.Fatal("same seed, different traces")
	}
	cfg := smallConfig()
	cfg.Seed = 2
	c, _ := Generate(cfg)
	if reflect.DeepEqual(a, c) {
		t.Fatal("different seeds, same trace")
	}
}

// TestGenerateShape checks what the offload test relies on: time order,
// the requested days, sizes from the ladder, ranges inside their object,
// and a daily ranking that drifts but is not reshuffled.
func TestGenerateShape(t *testing.T) {
	cfg := DefaultGenConfig()
	cfg.SessionsPerDay, cfg.Days = 500, 3
	reqs, err := Generate(cfg)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(reqs); i++ {
		if reqs[i].Time < reqs[i-1].Time {
			t.Fatalf("request %d goes back in time", i)
		}
	}
	if last := reqs[len(reqs)-1].Time; last < 2*24*time.Hour || last >= 3*24*time.Hour {
		t.Errorf("last request at %v, want within day 3", last)
	}
	s := Summarize(reqs)
	t.Logf("%+v", s)
	if len(s.DailyTopOverlap) != 2 {
		t.Fatalf("overlaps %v, want 2 day pairs", s.DailyTopOverlap)
	}
	for _, o := range s.DailyTopOverlap {
		if o <= 0.3 || o >= 1 {
			t.Errorf("day-to-day top-20 overlap %.2f: want drift, not stasis or reshuffle", o)
		}
	}
	if s.FootprintBytes <= 0 || s.RequestedBytes <= s.FootprintBytes {
		t.Errorf("requested %d bytes of a %d-byte footprint: want repeats", s.RequestedBytes, s.FootprintBytes)
	}
}

func TestReaderErrors(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"no header":     {"", "header"},
		"missing col":   {"time_s,client,key\n", `lacks column "range"`},
		"bad time":      {"time_s,client,key,range,size\nx,c,/a,,1\n", "time_s"},
		"negative size": {"time_s,client,key,range,size\n1,c,/a,,-1\n", "size"},
		"relative key":  {"time_s,client,key,range,size\n1,c,a,,1\n", "key"},
		"bad range":     {"time_s,client,key,range,size\n1,c,/a,bytes=5-1,10\n", "range"},
		"range outside": {"time_s,client,key,range,size\n1,c,/a,bytes=10-11,10\n", "range"},
		"backwards":     {"time_s,client,key,range,size\n2,c,/a,,1\n1,c,/a,,1\n", "backwards"},
	} {
		_, err := ReadAll(strings.NewReader(tc.in))
		if !errors.Is(err, ErrFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want ErrFormat with %q", name, err, tc.want)
		}
	}
}

func TestReaderExtraColumns(t *testing.T) {
	in := "size,key,extra,time_s,range,client\n10,/a,x,0.5,bytes=-4,c1\n"
	got, err := ReadAll(strings.NewReader(in))
	want := []Request{{Time: 500 * time.Millisecond, Client: "c1", Key: "/a", Range: "bytes=-4", Size: 10}}
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("got %+v, %v", got, err)
	}
	if f, l := got[0].Extent(); f != 6 || l != 9 {
		t.Errorf("extent %d-%d, want 6-9", f, l)
	}
}

func TestParseRange(t *testing.T) {
	for _, tc := range []struct {
		in          string
		first, last int64
		ok          bool
	}{
		{"bytes=0-9", 0, 9, true}, {"bytes=5-", 5, 99, true}, {"bytes=-10", 90, 99, true},
		{"bytes=90-200", 90, 99, true}, {"bytes=100-", 0, 0, false}, {"bytes=0-1,3-4", 0, 0, false},
		{"items=0-1", 0, 0, false}, {"bytes=-0", 0, 0, false}, {"bytes=a-b", 0, 0, false},
	} {
		f, l, err := ParseRange(tc.in, 100)
		if (err == nil) != tc.ok || (tc.ok && (f != tc.first || l != tc.last)) {
			t.Errorf("ParseRange(%q) = %d, %d, %v", tc.in, f, l, err)
		}
	}
}

func FuzzReader(f *testing.F) {
	f.Add("time_s,client,key,range,size\n0.000,c1,/a,,10\n1.5,c2,/b,bytes=0-3,10\n")
	f.Fuzz(func(t *testing.T, in string) {
		reqs, err := ReadAll(strings.NewReader(in))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := WriteAll(&buf, reqs); err != nil {
			t.Fatal(err)
		}
		back, err := ReadAll(&buf)
		if err != nil || !reflect.DeepEqual(back, reqs) {
			t.Fatalf("round trip: %v", err)
		}
	})
}
