package freshness

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestParseCacheControl(t *testing.T) {
	s := time.Second
	cases := []struct {
		name  string
		lines []string
		want  func(*Directives)
	}{
		{"empty", nil, func(*Directives) {}},
		{"max-age", []string{"max-age=60"}, func(d *Directives) { d.MaxAge = 60 * s }},
		{"case and spaces", []string{" Max-Age = 60 , PUBLIC "}, func(d *Directives) { d.MaxAge, d.Public = 60*s, true }},
		{"quoted delta", []string{`max-age="30"`}, func(d *Directives) { d.MaxAge = 30 * s }},
		{"first occurrence wins", []string{"max-age=10, max-age=99"}, func(d *Directives) { d.MaxAge = 10 * s }},
		{"over two lines", []string{"max-age=10", "s-maxage=20, no-transform"}, func(d *Directives) {
			d.MaxAge, d.SMaxAge, d.NoTransform = 10*s, 20*s, true
		}},
		{"bad max-age is stale", []string{"max-age=abc"}, func(d *Directives) { d.MaxAge = 0 }},
		{"leading letter is stale", []string{"max-age=a3600"}, func(d *Directives) { d.MaxAge = 0 }},
		{"fraction: its integer part", []string{"max-age=3600.5"}, func(d *Directives) { d.MaxAge = 3600 * s }},
		{"trailing letters: the digits", []string{"max-age=3600a"}, func(d *Directives) { d.MaxAge = 3600 * s }},
		{"leading zeros", []string{"max-age=003600"}, func(d *Directives) { d.MaxAge = 3600 * s }},
		{"single-quoted is malformed", []string{"max-age='3600'"}, func(d *Directives) { d.MaxAge = 0 }},
		{"quoted max-age inside another directive is not one", []string{`ext="max-age=3600", max-age=1`}, func(d *Directives) { d.MaxAge = s }},
		{"max-age without value is stale", []string{"max-age"}, func(d *Directives) { d.MaxAge = 0 }},
		{"negative max-age is stale", []string{"max-age=-5"}, func(d *Directives) { d.MaxAge = 0 }},
		{"huge delta capped", []string{"max-age=99999999999999999999"}, func(d *Directives) { d.MaxAge = maxDelta * s }},
		{"bad swr ignored", []string{"stale-while-revalidate=x"}, func(*Directives) {}},
		{"rfc 5861", []string{"max-age=600, stale-while-revalidate=30, stale-if-error=86400"}, func(d *Directives) {
			d.MaxAge, d.StaleWhileRevalidate, d.StaleIfError = 600*s, 30*s, 86400*s
		}},
		{"flags", []string{"no-store, no-cache, private, must-revalidate, proxy-revalidate, immutable, must-understand, only-if-cached"}, func(d *Directives) {
			d.NoStore, d.NoCache, d.Private, d.MustRevalidate, d.ProxyRevalidate = true, true, true, true, true
			d.Immutable, d.MustUnderstand, d.OnlyIfCached = true, true, true
		}},
		{"qualified no-cache keeps the comma inside quotes", []string{`no-cache="Set-Cookie, X-Foo", max-age=5`}, func(d *Directives) {
			d.NoCache, d.NoCacheFields, d.MaxAge = true, []string{"set-cookie", "x-foo"}, 5*s
		}},
		{"qualified private", []string{`private="x-user"`}, func(d *Directives) { d.Private, d.PrivateFields = true, []string{"x-user"} }},
		{"request directives", []string{"max-stale, min-fresh=5"}, func(d *Directives) { d.MaxStaleAny, d.MinFresh = true, 5*s }},
		{"max-stale with value", []string{"max-stale=7"}, func(d *Directives) { d.MaxStale = 7 * s }},
		{"unknown and junk skipped", []string{`foo="bar, baz", ;;;, max-age=3 junk, public`}, func(d *Directives) { d.Public = true }},
		{"unterminated quote", []string{`no-cache="abc`}, func(d *Directives) { d.NoCache, d.NoCacheFields = true, []string{"abc"} }},
		{"escaped quote", []string{`private="a\"b", max-age=1`}, func(d *Directives) { d.Private, d.MaxAge = true, s }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			want := Empty()
			tc.want(&want)
			if got := Parse(tc.lines...); !reflect.DeepEqual(got, want) {
				t.Fatalf("Parse(%q)\n got %+v\nwant %+v", tc.lines, got, want)
			}
		})
	}
}

func FuzzParseCacheControl(f *testing.F) {
	for _, s := range []string{"max-age=60", `no-cache="a,b", private`, "s-maxage=1,stale-if-error=2", `"`, "=,=", "max-stale", "a=\"\\", "max-age=99999999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d := Parse(s)
		for _, v := range []time.Duration{d.MaxAge, d.SMaxAge, d.StaleWhileRevalidate, d.StaleIfError, d.MaxStale, d.MinFresh} {
			if v != Absent && (v < 0 || v > maxDelta*time.Second) {
				t.Fatalf("Parse(%q): delta %v out of range", s, v)
			}
		}
		for _, f := range append(d.NoCacheFields, d.PrivateFields...) {
			if f == "" || f != strings.ToLower(f) || !isToken(f) {
				t.Fatalf("Parse(%q): bad field name %q", s, f)
			}
		}
		// Parsing is line-order independent for flags and idempotent.
		if again := Parse(s, s); !reflect.DeepEqual(again.flags(), d.flags()) {
			t.Fatalf("Parse(%q) twice changed the flags", s)
		}
	})
}

func (d Directives) flags() [10]bool {
	return [10]bool{d.NoStore, d.NoCache, d.Private, d.Public, d.MustRevalidate, d.ProxyRevalidate, d.Immutable, d.MustUnderstand, d.NoTransform, d.OnlyIfCached}
}

func TestLifetime(t *testing.T) {
	date := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	h := Heuristic{Fraction: 0.1, Max: 24 * time.Hour}
	cases := []struct {
		name string
		r    Response
		want time.Duration
		src  Source
	}{
		{"s-maxage beats max-age", Response{Status: 200, CC: Parse("max-age=10, s-maxage=20")}, 20 * time.Second, FromSMaxAge},
		{"max-age beats Expires", Response{Status: 200, CC: Parse("max-age=10"), ExpiresSet: true, Expires: date.Add(time.Hour)}, 10 * time.Second, FromMaxAge},
		{"Expires minus Date", Response{Status: 200, CC: Empty(), ExpiresSet: true, Expires: date.Add(time.Hour)}, time.Hour, FromExpires},
		{"Expires in the past", Response{Status: 200, CC: Empty(), ExpiresSet: true, Expires: date.Add(-time.Hour)}, 0, FromExpires},
		{"invalid Expires", Response{Status: 200, CC: Empty(), ExpiresSet: true}, 0, FromExpires},
		{"no-cache", Response{Status: 200, CC: Parse("no-cache, max-age=600")}, 0, FromNoCache},
		{"qualified no-cache keeps max-age", Response{Status: 200, CC: Parse(`no-cache="set-cookie", max-age=600`)}, 600 * time.Second, FromMaxAge},
		{"heuristic 10%", Response{Status: 200, CC: Empty(), LastModified: date.Add(-100 * time.Hour)}, 10 * time.Hour, FromHeuristic},
		{"heuristic capped", Response{Status: 200, CC: Empty(), LastModified: date.Add(-1000 * 24 * time.Hour)}, 24 * time.Hour, FromHeuristic},
		{"heuristic needs Last-Modified", Response{Status: 200, CC: Empty()}, 0, FromNone},
		{"no heuristic for 302", Response{Status: 302, CC: Empty(), LastModified: date.Add(-100 * time.Hour)}, 0, FromNone},
		{"public allows heuristic for 302", Response{Status: 302, CC: Parse("public"), LastModified: date.Add(-100 * time.Hour)}, 10 * time.Hour, FromHeuristic},
		{"future Last-Modified", Response{Status: 200, CC: Empty(), LastModified: date.Add(time.Hour)}, 0, FromHeuristic},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.r.Date = date
			got, src := Lifetime(&tc.r, h)
			if got != tc.want || src != tc.src {
				t.Fatalf("Lifetime = %v from %d, want %v from %d", got, src, tc.want, tc.src)
			}
		})
	}
}

func TestInitialAge(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name            string
		age             time.Duration
		date, req, resp time.Time
		want            time.Duration
	}{
		{"fresh from origin", 0, t0, t0, t0, 0},
		{"Age header plus delay", 30 * time.Second, t0, t0, t0.Add(2 * time.Second), 32 * time.Second},
		{"apparent age from a late Date", 0, t0.Add(-time.Minute), t0, t0.Add(time.Second), time.Minute + time.Second},
		{"clock skew: Date in the future", 0, t0.Add(time.Hour), t0, t0, 0},
	} {
		if got := InitialAge(tc.age, tc.date, tc.req, tc.resp); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStorable(t *testing.T) {
	for _, tc := range []struct {
		name   string
		status int
		cc     string
		exp    bool
		ok     bool
		reason string
	}{
		{"plain 200", 200, "", false, true, ""},
		{"no-store", 200, "no-store, max-age=60", false, false, ReasonNoStore},
		{"private", 200, "private, max-age=60", false, false, ReasonPrivate},
		{"qualified private is storable", 200, `private="x-user", max-age=60`, false, true, ""},
		{"302 without freshness", 302, "", false, false, ReasonStatus},
		{"302 with max-age", 302, "max-age=60", false, true, ""},
		{"403 with Expires", 403, "", true, true, ""},
		{"404 heuristic", 404, "", false, true, ""},
		{"must-understand overrides no-store", 200, "must-understand, no-store", false, true, ""},
		{"must-understand for an unknown status", 299, "must-understand, max-age=5", false, false, ReasonMustUnderstand},
	} {
		r := Response{Status: tc.status, CC: Parse(tc.cc), ExpiresSet: tc.exp}
		if ok, why := Storable(&r); ok != tc.ok || why != tc.reason {
			t.Errorf("%s: Storable = %v %q, want %v %q", tc.name, ok, why, tc.ok, tc.reason)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	date := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		in   string
		want time.Duration
		ok   bool
	}{
		{"120", 120 * time.Second, true},
		{" 5 ", 5 * time.Second, true},
		{"Fri, 01 May 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Fri, 01 May 2026 11:00:00 GMT", 0, true},
		{"-1", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
		{"", 0, false},
	} {
		got, ok := ParseRetryAfter(tc.in, date)
		if got != tc.want || ok != tc.ok {
			t.Errorf("ParseRetryAfter(%q) = %v, %v; want %v, %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func FuzzParseRetryAfter(f *testing.F) {
	for _, s := range []string{"120", "Fri, 01 May 2026 12:00:30 GMT", "-1", "99999999999999999999", ""} {
		f.Add(s)
	}
	date := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseRetryAfter(s, date)
		if d < 0 || (!ok && d != 0) {
			t.Fatalf("ParseRetryAfter(%q) = %v, %v", s, d, ok)
		}
	})
}

func TestParseTargeted(t *testing.T) {
	for _, tc := range []struct {
		lines []string
		ok    bool
		check func(d Directives) bool
	}{
		{[]string{"max-age=600"}, true, func(d Directives) bool { return d.MaxAge == 600*time.Second }},
		{[]string{"max-age=10, max-age=100"}, true, func(d Directives) bool { return d.MaxAge == 100*time.Second }},
		{[]string{"max-age=10", "s-maxage=20"}, true, func(d Directives) bool { return d.MaxAge == 10*time.Second && d.SMaxAge == 20*time.Second }},
		{[]string{"no-store"}, true, func(d Directives) bool { return d.NoStore }},
		{[]string{"no-store=?0, public"}, true, func(d Directives) bool { return !d.NoStore && d.Public }},
		{[]string{`no-cache="set-cookie, x-a"`}, true, func(d Directives) bool { return d.NoCache && len(d.NoCacheFields) == 2 }},
		{[]string{"max-age=1.5"}, true, func(d Directives) bool { return d.MaxAge == 0 }},
		{[]string{"max-age=-1"}, true, func(d Directives) bool { return d.MaxAge == 0 }},
		{[]string{"max-age=60;a=1, none"}, true, func(d Directives) bool { return d.MaxAge == time.Minute }},
		{[]string{"a=(1 2 \"x\");p, stale-if-error=5"}, true, func(d Directives) bool { return d.StaleIfError == 5*time.Second }},
		{[]string{""}, true, func(d Directives) bool { return d.MaxAge == Absent && !d.NoStore }},
		{[]string{"max-age=60,"}, false, nil},
		{[]string{"Max-Age=60"}, false, nil},
		{[]string{"max-age = 60"}, false, nil},
		{[]string{"max-age=60s"}, false, nil},
		{[]string{`private="a`}, false, nil},
		{[]string{"max-age=1234567890123456"}, false, nil},
		{[]string{"a=?2"}, false, nil},
		{[]string{"a=(1"}, false, nil},
	} {
		d, ok := ParseTargeted(tc.lines...)
		if ok != tc.ok || ok && !tc.check(d) {
			t.Errorf("ParseTargeted(%q) = %+v, %v; want ok %v", tc.lines, d, ok, tc.ok)
		}
	}
}

func TestSelect(t *testing.T) {
	h := map[string][]string{
		"Cache-Control":     {"max-age=1"},
		"CDN-Cache-Control": {"max-age=10"},
		"Node-CC":           {"max-age=100"},
		"Bad-CC":            {"max-age=,"},
	}
	get := func(k string) []string { return h[k] }
	for _, tc := range []struct {
		targets  []string
		want     time.Duration
		targeted bool
	}{
		{nil, time.Second, false},
		{[]string{"CDN-Cache-Control"}, 10 * time.Second, true},
		{[]string{"Node-CC", "CDN-Cache-Control"}, 100 * time.Second, true},
		{[]string{"Bad-CC", "CDN-Cache-Control"}, 10 * time.Second, true},
		{[]string{"Bad-CC"}, time.Second, false},
		{[]string{"Absent-CC"}, time.Second, false},
	} {
		d, targeted := Select(get, tc.targets)
		if d.MaxAge != tc.want || targeted != tc.targeted {
			t.Errorf("Select(%q) = %v, %v; want %v, %v", tc.targets, d.MaxAge, targeted, tc.want, tc.targeted)
		}
	}
}

func FuzzParseTargeted(f *testing.F) {
	for _, s := range []string{"max-age=600", `no-cache="a, b", private`, "a=(1 2);x=?0", "max-age=1.5", "x=:aGVsbG8=:", `"`, "=,="} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, ok := ParseTargeted(s)
		if !ok {
			return
		}
		for _, v := range []time.Duration{d.MaxAge, d.SMaxAge, d.StaleWhileRevalidate, d.StaleIfError} {
			if v != Absent && (v < 0 || v > maxDelta*time.Second) {
				t.Fatalf("ParseTargeted(%q): delta %v out of range", s, v)
			}
		}
		// A valid dictionary stays valid as one more line.
		if _, ok := ParseTargeted(s, s); !ok && strings.Trim(s, " \t") != "" {
			t.Fatalf("ParseTargeted(%q) valid once, invalid twice", s)
		}
	})
}
