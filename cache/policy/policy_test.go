package policy

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	day := 24 * time.Hour
	for _, tc := range []struct {
		in   string
		want Rule
		err  string
	}{
		{in: "*.m4s=immutable:30d", want: Rule{Pattern: "*.m4s", Kind: Immutable, TTL: 30 * day, SWR: Unset, SIE: Unset}},
		{in: "*.m4s=immutable", want: Rule{Pattern: "*.m4s", Kind: Immutable, TTL: DefaultImmutableTTL, SWR: Unset, SIE: Unset}},
		{in: " *.m3u8 = origin:min=1s, max=10s ", want: Rule{Pattern: "*.m3u8", Kind: Origin, Min: time.Second, Max: 10 * time.Second, SWR: Unset, SIE: Unset}},
		{in: "/live/*=origin:max=2s,swr=2s,sie=1h", want: Rule{Pattern: "/live/*", Kind: Origin, Max: 2 * time.Second, SWR: 2 * time.Second, SIE: time.Hour}},
		{in: "*=rfc:sie=1d12h", want: Rule{Pattern: "*", Kind: RFC, SWR: Unset, SIE: 36 * time.Hour}},
		{in: "/api/*=PASS", want: Rule{Pattern: "/api/*", Kind: Pass, SWR: Unset, SIE: Unset}},
		{in: "*.m4s", err: "want PATTERN=KIND"},
		{in: "=rfc", err: "want PATTERN=KIND"},
		{in: "[=rfc", err: "pattern"},
		{in: "*=forever", err: "unknown kind"},
		{in: "*=pass:swr=1s", err: "pass takes no parameters"},
		{in: "*=rfc:min=1s", err: `rfc does not take "min"`},
		{in: "*=origin:min=10s,max=1s", err: "above max"},
		{in: "*=immutable:0s", err: "positive"},
		{in: "*=immutable:-5s", err: "bad duration"},
		{in: "*=origin:max=99999d", err: "bad duration"},
		{in: "*=origin:max=3651d", err: "ten years"},
		{in: "*=origin:max", err: "bad duration"},
	} {
		got, err := Parse(tc.in)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("Parse(%q) error %v, want %q", tc.in, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", tc.in, got, err, tc.want)
		}
	}
}

func TestLookupAndClamp(t *testing.T) {
	set, err := ParseSet(append([]string{"/live/*=origin:max=2s"}, DefaultRules...))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key    string
		kind   Kind
		origin time.Duration
		want   time.Duration
	}{
		{"/t/1080p/seg-00001.m4s", Immutable, 0, DefaultImmutableTTL},
		{"/t/init.mp4", Immutable, time.Second, DefaultImmutableTTL},
		{"/t/master.m3u8", Origin, 0, time.Second},
		{"/t/master.m3u8", Origin, time.Hour, 10 * time.Second},
		{"/t/master.m3u8", Origin, 5 * time.Second, 5 * time.Second},
		{"/live/index.m3u8", Origin, time.Minute, 2 * time.Second},
		{"/live/sub/index.m3u8", Origin, time.Minute, 10 * time.Second}, // "*" does not cross "/"
		{"/t/poster.jpg", RFC, 42 * time.Second, 42 * time.Second},
	} {
		r := set.Lookup(tc.key)
		if r.Kind != tc.kind || r.Clamp(tc.origin) != tc.want {
			t.Errorf("%s: %s clamps %v to %v, want %s → %v", tc.key, r, tc.origin, r.Clamp(tc.origin), tc.kind, tc.want)
		}
	}
}

func TestSplitList(t *testing.T) {
	in := "*.m3u8=origin:min=1s,max=10s,*.m4s=immutable:30d,/p/*=pass,x=rfc:sie=1h,swr=2s"
	want := []string{"*.m3u8=origin:min=1s,max=10s", "*.m4s=immutable:30d", "/p/*=pass", "x=rfc:sie=1h,swr=2s"}
	if got := SplitList(in); !reflect.DeepEqual(got, want) {
		t.Fatalf("SplitList = %q, want %q", got, want)
	}
	if _, err := ParseSet(DefaultRules); err != nil {
		t.Fatal(err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range append(DefaultRules, "/live/*=origin:max=2s,swr=2s,sie=1h", "*=pass", "a=immutable:1d12h", "[=rfc", "*=origin:min=") {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		back, err := Parse(r.String())
		if err != nil || back != r {
			t.Fatalf("Parse(%q) = %+v; String %q parses to %+v, %v", s, r, r.String(), back, err)
		}
		if r.Min < 0 || r.Max < 0 || r.TTL < 0 || (r.Max > 0 && r.Min > r.Max) {
			t.Fatalf("Parse(%q): bad bounds %+v", s, r)
		}
		r.Match("/a/b.m4s")
	})
}

func FuzzSplitList(f *testing.F) {
	f.Add("*.m3u8=origin:min=1s,max=10s,*.m4s=immutable:30d")
	f.Add(",,=,a=rfc,")
	f.Fuzz(func(t *testing.T, s string) {
		parts := SplitList(s)
		if strings.Join(parts, ",") != s {
			t.Fatalf("SplitList(%q) = %q does not join back", s, parts)
		}
	})
}

func TestQueryFlag(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ttl     time.Duration
	}{
		{"/api/*=rfc,query", "/api/*=rfc:query", 0},
		{"/api/*=rfc:query", "/api/*=rfc:query", 0},
		{"/q/*=origin:min=1s,query", "/q/*=origin:min=1s,query", 0},
		{"*.bin=immutable:2d,query", "*.bin=immutable:ttl=2d,query", 48 * time.Hour},
	} {
		r, err := Parse(tc.in)
		if err != nil || !r.Query || r.String() != tc.out || tc.ttl != 0 && r.TTL != tc.ttl {
			t.Errorf("Parse(%q) = %v (query %v), %v; want %s", tc.in, r, r.Query, err, tc.out)
			continue
		}
		if again, err := Parse(r.String()); err != nil || again != r {
			t.Errorf("%q does not read back: %v %v", r.String(), again, err)
		}
	}
	if _, err := Parse("/x=pass,query"); err == nil {
		t.Error("pass with query accepted")
	}
	if s, _ := ParseSet([]string{"/api/*=rfc,query"}); !s.HasQuery() || Defaults().HasQuery() {
		t.Error("HasQuery")
	}
}
