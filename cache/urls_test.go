package cache

import (
	"bytes"
	"encoding/base64"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/vodedge/vodedge/internal/testenv"
	"github.com/vodedge/vodedge/internal/urlsign"
	"github.com/vodedge/vodedge/origin"
)

func urlKey(t *testing.T, id string, fill byte) urlsign.Key {
	keys, err := urlsign.ParseKeys([]byte(id + " " + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{fill}, 32)) + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	return keys[0]
}

// Signed URLs through a real edge: steering's token is verified on the
// public listener (valid → 200, the rest → 403 naming the reason) and
// stripped before the cache key is made.
func TestSignedURLsThroughTheEdge(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/titles/t1/master.m3u8", 300)
	o.PutPattern("/titles/t1/720p/seg-1.m4s", 5000)
	k1, k2, kx := urlKey(t, "k1", 1), urlKey(t, "k2", 2), urlKey(t, "kx", 9)
	v, err := urlsign.NewVerifier([]urlsign.Key{k1, k2}, urlsign.VerifierConfig{})
	if err != nil {
		t.Fatal(err)
	}
	e := startEdgeDisk(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}), nil, func(d *Deps) { d.URLs = v })
	addr := netip.MustParseAddr("127.0.0.1")
	now := time.Now()
	sign := func(k urlsign.Key, cfg urlsign.SignerConfig, p string) string {
		s, err := urlsign.NewSigner(k, cfg)
		if err != nil {
			t.Fatal(err)
		}
		return e.url + string(s.AppendURL(nil, p, addr))
	}
	at := func(t0 time.Time) func() time.Time { return func() time.Time { return t0 } }
	valid := sign(k1, urlsign.SignerConfig{Now: at(now)}, "/titles/t1/master.m3u8")
	exp := strconv.FormatInt(now.Add(6*time.Hour).Unix(), 10)
	later := strconv.FormatInt(now.Add(7*time.Hour).Unix(), 10)
	c := client(t)
	for _, tc := range []struct {
		name, url string
		status    int
	}{
		{"valid", valid, 200},
		{"valid with the rotated key", sign(k2, urlsign.SignerConfig{Now: at(now)}, "/titles/t1/master.m3u8"), 200},
		{"valid, same directory", strings.Replace(valid, "master.m3u8", "720p/seg-1.m4s", 1), 200},
		{"expired", sign(k1, urlsign.SignerConfig{Now: at(now.Add(-2 * time.Hour)), TTL: time.Hour}, "/titles/t1/master.m3u8"), 403},
		{"altered path", strings.Replace(valid, "/titles/t1/", "/titles/t2/", 1), 403},
		{"altered expiry", strings.Replace(valid, "."+exp+".", "."+later+".", 1), 403},
		{"unknown key", sign(kx, urlsign.SignerConfig{Now: at(now)}, "/titles/t1/master.m3u8"), 403},
		{"no token", e.url + "/titles/t1/master.m3u8", 403},
	} {
		r := do(t, c, "GET", tc.url)
		if r.status != tc.status {
			t.Errorf("%s: %d %q, want %d", tc.name, r.status, r.body, tc.status)
		}
		if r.status == 403 && !strings.HasPrefix(string(r.body), "403 forbidden: urlsign: ") {
			t.Errorf("%s: body %q does not name the reason", tc.name, r.body)
		}
	}
	if n := o.Requests(""); n != 2 {
		t.Fatalf("origin requests %d, want 2: tokens must not be part of the cache key", n)
	}
	if got := testutil.ToFloat64(e.srv.metrics.tokenRejections.WithLabelValues("expired")); got != 1 {
		t.Fatalf("expired rejections %v", got)
	}
}

// Browsers get CORS headers (and their preflight an answer); other
// clients get none.
func TestCORSForBrowsersOnly(t *testing.T) {
	o := testenv.NewOrigin(t)
	o.PutPattern("/c.m4s", 100)
	e := startEdge(t, testConfig(), httpOrigin(t, o, origin.HTTPOptions{}))
	c := client(t)
	r := do(t, c, "GET", e.url+"/c.m4s")
	if r.header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatal("CORS headers without Origin")
	}
	r = do(t, c, "GET", e.url+"/c.m4s", "Origin", "http://player.example")
	if r.header.Get("Access-Control-Allow-Origin") != "*" || !strings.Contains(r.header.Get("Access-Control-Expose-Headers"), "X-Served-By") {
		t.Fatalf("CORS headers: %v", r.header)
	}
	r = do(t, c, "OPTIONS", e.url+"/c.m4s", "Origin", "http://player.example", "Access-Control-Request-Method", "GET", "Access-Control-Request-Headers", "range")
	if r.status != 204 || !strings.Contains(r.header.Get("Access-Control-Allow-Headers"), "Range") {
		t.Fatalf("preflight: %d %v", r.status, r.header)
	}
}
