package accesslog

import (
	"encoding/json"
	"net"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/vodedge/vodedge/origin/popularity"
)

// FuzzRecordJSON: whatever a client sent (path, method, Range), a record
// encodes to one line of valid JSON whose fields decode back to what was
// logged (invalid UTF-8 as U+FFFD), and the controller's popularity
// parser reads the line the edge wrote.
func FuzzRecordJSON(f *testing.F) {
	f.Add("GET", "/titles/t1/1080p/seg-00001.m4s", "bytes=0-99", 206, int64(100), "HIT-RAM", "hit", int64(1_700_000_000_123_456_000), []byte{192, 0, 2, 1})
	f.Add("HEAD", "/a\"b\\c\x00\x1f\x7f", "", 404, int64(0), "NONE", "", int64(0), []byte{0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1})
	f.Add("G\xffT", "/\xc3\x28é€𝄞", "bytes=-1", 200, int64(1<<40), "MISS", "miss", int64(-1), []byte(nil))
	f.Fuzz(func(t *testing.T, method, path, rng string, status int, n int64, tier, cache string, unixNano int64, ip []byte) {
		r := Record{Time: time.Unix(0, unixNano), Method: method, Path: path, Range: rng, Status: status, Bytes: n, Tier: tier, Cache: cache, TTFB: time.Duration(n)}
		if len(ip) == 4 || len(ip) == 16 {
			r.Client = &net.TCPAddr{IP: ip, Port: 4321}
		}
		var e encoder
		line := e.appendJSON(nil, &r, "node-1", "ams")
		if !json.Valid(line) || strings.Count(string(line), "\n") != 1 {
			t.Fatalf("not one line of valid JSON: %q", line)
		}
		var got struct {
			Time, Client, Method, Path, Range, Tier, Cache, Node, Site string
			Status                                                     int
			Bytes                                                      int64
			TTFB                                                       json.Number `json:"ttfb_ms"`
		}
		if err := json.Unmarshal(line, &got); err != nil {
			t.Fatal(err)
		}
		valid := func(s string) string { // each invalid byte becomes U+FFFD, as appendString does
			var b strings.Builder
			for i := 0; i < len(s); {
				r, size := utf8.DecodeRuneInString(s[i:])
				b.WriteRune(r)
				i += size
			}
			return b.String()
		}
		if got.Method != valid(method) || got.Path != valid(path) || got.Range != valid(rng) || got.Tier != valid(tier) ||
			got.Cache != valid(cache) || got.Status != status || got.Bytes != n || got.Node != "node-1" || got.Site != "ams" {
			t.Fatalf("round trip: %+v from %q", got, line)
		}
		if us := r.TTFB.Microseconds(); us > -1<<53 && us < 1<<53 {
			if want := strconv.FormatFloat(float64(us)/1000, 'f', 3, 64); string(got.TTFB) != want {
				t.Fatalf("ttfb_ms %s, want %s (%v)", got.TTFB, want, r.TTFB)
			}
		}
		ts, err := time.Parse(time.RFC3339Nano, got.Time)
		if err != nil || !ts.Equal(r.Time.UTC().Truncate(time.Microsecond)) {
			t.Fatalf("time %q (%v), want %v", got.Time, err, r.Time.UTC())
		}
		rec, err := popularity.ParseLine(line)
		ok := strings.HasPrefix(path, "/") && len(valid(path)) <= 1024 && status >= 100 && status <= 599 && n >= 0
		if ok && (err != nil || rec.Path != valid(path) || rec.Bytes != n || !rec.Time.Equal(ts)) {
			t.Fatalf("popularity cannot read the edge's line %q: %v %+v", line, err, rec)
		}
	})
}
